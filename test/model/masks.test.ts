import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generationMask, generationPositionIds, maskBlock, positionsFromMask, understandingMask } from '../../src/model/masks.js';
import type { Mask } from '../../src/tensor/index.js';

/** Rows of a mask as strings like "011100", one table per batch item, for readable failures. */
function table(m: Mask): string[][] {
  const [b, q, k] = m.shape;
  return Array.from({ length: b }, (_, bi) => Array.from({ length: q }, (_, i) => Array.from(m.data.subarray((bi * q + i) * k, (bi * q + i + 1) * k)).join('')));
}

// Row 0: one left pad, text, an image of 2 tokens (positions 2-3), text, text.
// Row 1: text, a video frame of 3 tokens (1-3), the video's newline (4, its own block), text.
const keyMask = Uint8Array.from([0, 1, 1, 1, 1, 1, /**/ 1, 1, 1, 1, 1, 1]);
const startIds = Int32Array.from([0, 1, 2, 2, 4, 5, /**/ 0, 1, 1, 1, 4, 5]);

test('intended understanding mask: causal text, bidirectional media blocks, pad columns blocked, pad rows see themselves', () => {
  assert.deepEqual(table(understandingMask({ batch: 2, keys: 6, keyMask, startIds })), [
    ['100000', '010000', '011100', '011100', '011110', '011111'],
    ['100000', '111100', '111100', '111100', '111110', '111111'],
  ]);
});

test('plain causal understanding mask with padding', () => {
  assert.deepEqual(table(understandingMask({ batch: 2, keys: 6, keyMask })), [
    ['100000', '010000', '011000', '011100', '011110', '011111'],
    ['100000', '110000', '111000', '111100', '111110', '111111'],
  ]);
});

test('decode-step rows of the understanding mask (one query over the cache)', () => {
  assert.deepEqual(table(understandingMask({ batch: 2, keys: 6, queryStart: 5, queries: 1, keyMask, startIds })), [['011111'], ['111111']]);
});

test('understanding positions: cumsum(mask) - 1, pads at 1', () => {
  assert.deepEqual(Array.from(positionsFromMask(keyMask, 2, 6)), [1, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5]);
});

// Generation, S = 3 text slots (row 0 has one left pad), 1 time token, N = 2 visual tokens.
const textMask = Uint8Array.from([0, 1, 1, /**/ 1, 1, 1]);

test('generation mask: table 2.3 with left padding and all-ones pad rows', () => {
  //                       cols: pad/text text text | time | vis vis
  assert.deepEqual(table(generationMask(textMask, 2, 3, 2)), [
    ['111111', '010000', '011000', '011100', '011111', '011111'],
    ['100000', '110000', '111000', '111100', '111111', '111111'],
  ]);
});

test('generation positions: 0 for pads, then 0..L+N', () => {
  assert.deepEqual(Array.from(generationPositionIds(textMask, 2, 3, 2)), [0, 0, 1, 2, 3, 4, /**/ 0, 1, 2, 3, 4, 5]);
});

test('generation mask with two noise draws: each group sees the text and itself only', () => {
  //                cols: pad/text text text | time vis vis | time vis vis
  assert.deepEqual(table(generationMask(textMask, 2, 3, 2, 2)), [
    ['111111111', '010000000', '011000000', '011100000', '011111000', '011111000', '011000100', '011000111', '011000111'],
    ['100000000', '110000000', '111000000', '111100000', '111111000', '111111000', '111000100', '111000111', '111000111'],
  ]);
  assert.deepEqual(Array.from(generationPositionIds(textMask, 2, 3, 2, 2)), [0, 0, 1, 2, 3, 4, 2, 3, 4, /**/ 0, 1, 2, 3, 4, 5, 3, 4, 5]);
  assert.throws(() => generationMask(textMask, 2, 3, 2, 0), /noise draws per prompt must be a positive integer, got 0/);
});

test('mask blocks (the text-state cache uses the text block and the lower rows)', () => {
  const full = generationMask(textMask, 2, 3, 2);
  assert.deepEqual(table(maskBlock(full, 0, 3, 3)), [['111', '010', '011'], ['100', '110', '111']]);
  assert.deepEqual(table(maskBlock(full, 3, 6, 6)), [['011100', '011111', '011111'], ['111100', '111111', '111111']]);
});

test('right padding and bad sizes are rejected', () => {
  assert.throws(() => generationMask(Uint8Array.from([1, 0, 1]), 1, 3, 1), /text row 0 is not left-padded: a padding slot at 1 follows a real token/);
  assert.throws(() => understandingMask({ batch: 1, keys: 3, keyMask: new Uint8Array(2) }), /key mask has 2 entries for \[1, 3\]/);
});
