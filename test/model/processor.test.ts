import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HaploOmni } from '../../src/model/haploomni.js';
import {
  anyresLayout, attentionStartIds, expandPlaceholders, imageFeatureGeometry, imageTokenCount, selectBestResolution, unpadBox, videoTokenCount,
} from '../../src/model/processor.js';
import { embedMultimodal, imageFeatures, patchTokens, videoFeatures } from '../../src/model/visual.js';
import { noGrad, randn, Rng } from '../../src/tensor/index.js';
import { microConfig } from '../helpers/micro.js';

const config = microConfig(); // tile 8, patch 4 (n = 2), pinpoints [8,8] [8,16] [16,8] [16,16], anyres_max_1
const IMG = config.image_token_index, VID = config.video_token_index;

test('best resolution: most effective resolution, then least waste', () => {
  const pins: [number, number][] = [[8, 8], [8, 16], [16, 8], [16, 16]];
  assert.deepEqual(selectBestResolution([10, 20], pins), [8, 16]);
  assert.deepEqual(selectBestResolution([16, 8], pins), [16, 8]);
  assert.deepEqual(selectBestResolution([12, 16], pins), [16, 16]);
  assert.deepEqual(selectBestResolution([4, 4], pins), [8, 8]);
});

test('anyres layout: aspect-kept resize with ceil, centred padding, tile grid', () => {
  assert.deepEqual(anyresLayout([12, 16], config), { target: [16, 16], grid: [2, 2], resized: [12, 16], padTop: 2, padLeft: 0 });
  assert.deepEqual(anyresLayout([10, 20], config), { target: [8, 16], grid: [1, 2], resized: [8, 16], padTop: 0, padLeft: 0 });
  // a small image keeps all its pixels everywhere: the least wasteful candidate wins
  assert.deepEqual(anyresLayout([7, 3], config), { target: [8, 8], grid: [1, 1], resized: [8, 4], padTop: 0, padLeft: 2 });
  assert.deepEqual(anyresLayout([20, 9], config), { target: [16, 8], grid: [2, 1], resized: [16, 8], padTop: 0, padLeft: 0 });
});

test('unpadding crops the rows or columns the processor padded', () => {
  assert.deepEqual(unpadBox([12, 32], 8, 16), [1, 7, 0, 16]);
  assert.deepEqual(unpadBox([30, 10], 8, 4), [0, 8, 1, 3]);
  assert.deepEqual(unpadBox([16, 16], 4, 4), [0, 4, 0, 4]);
});

test('token counts: H W + H per image (after the anyres_max downsample), F n^2 + 1 per video', () => {
  // [10, 20]: grid 1x2 -> 2x4 map, r = sqrt(8 / 4) > 1.1 -> floor(2 / 1.41) x floor(4 / 1.41) = 1 x 2 -> 1 * 3
  assert.deepEqual(imageFeatureGeometry([10, 20], config), { grid: [1, 2], box: [0, 2, 0, 4], rows: 1, cols: 2, downsampled: true });
  assert.equal(imageTokenCount([10, 20], config), 3);
  assert.equal(imageTokenCount([16, 16], config), 2 * 3);
  assert.equal(imageTokenCount([8, 8], config), 2 * 3); // one tile: 2x2, r = 1: no downsample
  const noMax = microConfig({ image_aspect_ratio: 'anyres' });
  assert.equal(imageTokenCount([16, 16], noMax), 4 * 5);
  assert.equal(videoTokenCount(3, config), 3 * 4 + 1);
  assert.throws(() => videoTokenCount(0, config), /at least one frame/);
});

test('attention_start_ids: text j, image start for the whole image, per-frame video blocks, newline alone', () => {
  const ids = Int32Array.from([5, IMG, IMG, IMG, 6, ...new Array(9).fill(VID), 7]);
  const start = attentionStartIds(ids, 1, ids.length, config, { images: [3], videos: [9] });
  assert.deepEqual(Array.from(start), [0, 1, 1, 1, 4, 5, 5, 5, 5, 9, 9, 9, 9, 13, 14]);
  // two adjacent images are split by their counts
  const two = Int32Array.from([IMG, IMG, IMG, IMG, IMG]);
  assert.deepEqual(Array.from(attentionStartIds(two, 1, 5, config, { images: [3, 2], videos: [] })), [0, 0, 0, 3, 3]);
  assert.throws(() => attentionStartIds(two, 1, 5, config, { images: [6], videos: [] }), /image 0 needs 6 consecutive placeholder tokens/);
  assert.throws(() => attentionStartIds(two, 1, 5, config, { images: [3, 2, 1], videos: [] }), /placeholders for 2 images and 0 videos, but 3 images/);
});

test('expandPlaceholders turns one <image>/<video> each into the right number of tokens', () => {
  const { ids, attentionStartIds: start } = expandPlaceholders([1, IMG, 2, VID, 3], config, { imageSizes: [[10, 20]], videoFrames: [1] });
  assert.deepEqual(Array.from(ids), [1, IMG, IMG, IMG, 2, VID, VID, VID, VID, VID, 3]);
  assert.deepEqual(Array.from(start), [0, 1, 1, 1, 4, 5, 5, 5, 5, 9, 10]);
  assert.throws(() => expandPlaceholders([IMG, IMG], config, { imageSizes: [[8, 8]] }), /more <image> placeholders than the 1 images/);
});

test('image features: grid assembly, bilinear anyres_max downsample (2x2 block means here), newline per row', () => {
  const model = new HaploOmni(config, { seed: 3 });
  model.model.image_newline.data.set(new Rng(9).normal(16));
  const tiles = randn([4, 3, 8, 8], new Rng(4));
  noGrad(() => {
    const feats = imageFeatures(model, { tiles, size: [16, 16] });
    assert.deepEqual(feats.shape, [6, 16]);
    // The assembled 4x4 map: tile (ty, tx), patch (py, px) -> map[2 ty + py][2 tx + px].
    const tok = patchTokens(model, tiles, true).data; // [4, 4, 16]
    const map = (r: number, c: number, d: number) => tok[((Math.floor(r / 2) * 2 + Math.floor(c / 2)) * 4 + (r % 2) * 2 + (c % 2)) * 16 + d];
    for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) for (let d = 0; d < 16; d++) {
      const got = feats.data[(r * 3 + c) * 16 + d];
      const want = c === 2 ? model.model.image_newline.data[d]
        : (map(2 * r, 2 * c, d) + map(2 * r + 1, 2 * c, d) + map(2 * r, 2 * c + 1, d) + map(2 * r + 1, 2 * c + 1, d)) / 4;
      assert.ok(Math.abs(got - want) < 1e-5, `feature (${r}, ${c}, ${d}): ${got} vs ${want}`);
    }
    assert.throws(() => imageFeatures(model, { tiles, size: [10, 20] }), /needs a 1 x 2 anyres grid \(2 tiles\), got 4 tiles/);
    assert.throws(() => imageFeatures(model, { tiles: randn([4, 3, 6, 6], new Rng(1)), size: [16, 16] }), /expected pixels \[count, 3, 8, 8\], got \[4, 3, 6, 6\]/);
    const video = videoFeatures(model, { frames: randn([2, 3, 8, 8], new Rng(5)) });
    assert.deepEqual(video.shape, [9, 16]);
    assert.deepEqual(Array.from(video.data.subarray(8 * 16)), Array.from(model.model.image_newline.data));
  });
});

test('placeholder scatter: mismatched counts are named', () => {
  const model = new HaploOmni(config, { seed: 3 });
  const image = { tiles: randn([1, 3, 8, 8], new Rng(4)), size: [8, 8] as const };
  const ids = Int32Array.from([1, IMG, IMG, IMG, IMG, 2]);
  noGrad(() => {
    assert.throws(() => embedMultimodal(model, { ids, batch: 1, length: 6, images: [image] }),
      /the input ids hold 4 <image> placeholders \(token 37\) but the 1 images give 6 feature tokens \(6\)/);
    assert.throws(() => embedMultimodal(model, { ids: Int32Array.from([1, 99]), batch: 1, length: 2 }), /token id 99 at row 0, position 1 is outside the vocabulary \[0, 40\)/);
    const ok = Int32Array.from([1, IMG, IMG, IMG, IMG, IMG, IMG, 2]);
    const { embeds, visualRows } = embedMultimodal(model, { ids: ok, batch: 1, length: 8, images: [image] });
    assert.deepEqual(Array.from(visualRows), [0, 1, 1, 1, 1, 1, 1, 0]);
    const feats = imageFeatures(model, image);
    assert.deepEqual(Array.from(embeds.data.subarray(16, 7 * 16)), Array.from(feats.data));
  });
});
