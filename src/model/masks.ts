/**
 * Attention masks and position ids (reference §2). Masks are boolean, 1 = the query row may attend the
 * key column, laid out [batch, queries, keys] as the engine's attention expects.
 */
import type { Mask } from '../tensor/index.js';

export interface UnderstandingMaskOptions {
  batch: number;
  /** number of key columns (the whole sequence so far) */
  keys: number;
  /** absolute position (key index) of the first query row; queries = keys - queryStart by default */
  queryStart?: number;
  queries?: number;
  /** [batch, keys], 1 = real token, 0 = padding; default all real */
  keyMask?: Uint8Array | null;
  /** [batch, keys] attention_start_ids for the intended mask; null = plain causal */
  startIds?: Int32Array | null;
}

/**
 * Understanding mask. Intended (§2.1, with startIds): key j is visible to query i iff
 * startIds[j] <= i — causal text, bidirectional inside each image and each video frame (a frame's
 * trailing newline is its own block). Causal (without startIds): j <= i, what the reference executes
 * for one unpadded sample (§2.2). Padding columns are blocked; a row that would see nothing (a left-pad
 * query) may see itself, so no row is empty.
 */
export function understandingMask(o: UnderstandingMaskOptions): Mask {
  const { batch, keys } = o;
  const queryStart = o.queryStart ?? 0, queries = o.queries ?? keys - queryStart;
  if (queryStart + queries > keys) throw new Error(`understandingMask: queries [${queryStart}, ${queryStart + queries}) exceed ${keys} keys`);
  const keyMask = o.keyMask ?? null, startIds = o.startIds ?? null;
  if (keyMask && keyMask.length !== batch * keys) throw new Error(`understandingMask: key mask has ${keyMask.length} entries for [${batch}, ${keys}]`);
  if (startIds && startIds.length !== batch * keys) throw new Error(`understandingMask: start ids have ${startIds.length} entries for [${batch}, ${keys}]`);
  const data = new Uint8Array(batch * queries * keys);
  for (let b = 0; b < batch; b++) {
    for (let q = 0; q < queries; q++) {
      const i = queryStart + q, row = (b * queries + q) * keys;
      let any = false;
      for (let j = 0; j < keys; j++) {
        const real = !keyMask || keyMask[b * keys + j] !== 0;
        const allowed = startIds ? startIds[b * keys + j] <= i : j <= i;
        if (real && allowed) { data[row + j] = 1; any = true; }
      }
      if (!any) data[row + i] = 1;
    }
  }
  return { data, shape: [batch, queries, keys] };
}

/**
 * Position ids of a padded understanding batch (transformers): cumsum(mask) - 1 over each row, with
 * padding slots set to 1. Unpadded rows get 0..T-1.
 */
export function positionsFromMask(mask: Uint8Array | null, batch: number, length: number): Int32Array {
  const pos = new Int32Array(batch * length);
  for (let b = 0; b < batch; b++) {
    let count = 0;
    for (let j = 0; j < length; j++) {
      const real = !mask || mask[b * length + j] !== 0;
      if (real) count++;
      pos[b * length + j] = real ? count - 1 : 1;
    }
  }
  return pos;
}

/**
 * Generation mask (§2.3) over [text (S slots, left-padded) | time | N visual], T = S + 1 + N:
 *
 *   rows \ cols   pad  text      time     visual
 *   pad rows       1    1         1        1
 *   text rows      0    causal    0        0
 *   time row       0    1         1        0
 *   visual rows    0    1         1        1
 *
 * Text and the time token form one lower-triangular block; visual tokens are bidirectional; pad rows
 * are all ones so that no row is empty. textMask [batch, S]: 1 = real token; padding must be on the left.
 *
 * With `draws` = R > 1 the sequence holds R noise groups after the text, T = S + R (1 + N):
 * [text | time_0 visual_0 | ... | time_{R-1} visual_{R-1}]. Each group sees the text and itself exactly
 * as the single group above does, and no other group, so each group's rows compute what they would
 * compute alone (the training loss's several noise draws per prompt, diffusion/loss.ts).
 */
export function generationMask(textMask: Uint8Array, batch: number, S: number, N: number, draws = 1): Mask {
  checkLeftPadded(textMask, batch, S);
  checkDraws(draws);
  const G = 1 + N, T = S + draws * G;
  const data = new Uint8Array(batch * T * T);
  for (let b = 0; b < batch; b++) {
    const isPad = (j: number) => j < S && textMask[b * S + j] === 0;
    for (let i = 0; i < T; i++) {
      const row = (b * T + i) * T;
      if (isPad(i)) { data.fill(1, row, row + T); continue; }
      if (i < S) {
        // text rows: causal over real text
        for (let j = 0; j <= i; j++) if (!isPad(j)) data[row + j] = 1;
        continue;
      }
      const groupStart = S + Math.floor((i - S) / G) * G;
      for (let j = 0; j < S; j++) if (!isPad(j)) data[row + j] = 1;
      // the time row sees itself; visual rows see their group's time row and every visual row of it
      const last = i === groupStart ? i : groupStart + G - 1;
      data.fill(1, row + groupStart, row + last + 1);
    }
  }
  return { data, shape: [batch, T, T] };
}

/**
 * Position ids of a generation sequence: 0 for pads, then 0, 1, ..., L + N over text, time and visual
 * (L real text tokens). With R draws every noise group repeats the positions L, ..., L + N.
 */
export function generationPositionIds(textMask: Uint8Array, batch: number, S: number, N: number, draws = 1): Int32Array {
  checkDraws(draws);
  const G = 1 + N, T = S + draws * G;
  const pos = new Int32Array(batch * T);
  for (let b = 0; b < batch; b++) {
    let p = 0;
    for (let j = 0; j < S; j++) pos[b * T + j] = textMask[b * S + j] === 0 ? 0 : p++;
    for (let j = S; j < T; j++) pos[b * T + j] = p + ((j - S) % G);
  }
  return pos;
}

function checkDraws(draws: number): void {
  if (!Number.isInteger(draws) || draws < 1) throw new Error(`noise draws per prompt must be a positive integer, got ${draws}`);
}

/** Rows [rowStart, rowEnd) and columns [0, cols) of a mask, as a new mask. */
export function maskBlock(m: Mask, rowStart: number, rowEnd: number, cols: number): Mask {
  const [batch, rows, keys] = m.shape;
  if (rowEnd > rows || cols > keys) throw new Error(`maskBlock: rows [${rowStart}, ${rowEnd}) x ${cols} columns exceed the mask [${m.shape.join(', ')}]`);
  const q = rowEnd - rowStart;
  const data = new Uint8Array(batch * q * cols);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < q; i++) {
      const src = (b * rows + rowStart + i) * keys;
      data.set(m.data.subarray(src, src + cols), (b * q + i) * cols);
    }
  }
  return { data, shape: [batch, q, cols] };
}

function checkLeftPadded(mask: Uint8Array, batch: number, S: number): void {
  if (mask.length !== batch * S) throw new Error(`text mask has ${mask.length} entries for [${batch}, ${S}]`);
  for (let b = 0; b < batch; b++) {
    let seenReal = false;
    for (let j = 0; j < S; j++) {
      if (mask[b * S + j]) seenReal = true;
      else if (seenReal) throw new Error(`text row ${b} is not left-padded: a padding slot at ${j} follows a real token`);
    }
  }
}
