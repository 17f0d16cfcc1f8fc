/**
 * Training forward of the generation path with the prompts' common prefix computed once.
 *
 * Every generation prompt starts with the same template tokens (the reference's ~90-token system
 * prompt, most of a Shapes prompt's 112-131). generationForward runs them once per prompt row; here
 * the B prompts of a batch and their R noise groups run as ONE sequence holding that prefix once:
 *
 *   [prefix (P) | suffix_0 (L_0 - P) | R groups of clip 0 (R G) | suffix_1 | R groups of clip 1 | ...]
 *
 * with P the longest common prefix of the B prompts' real tokens (pads are dropped) and G = 1 + N the
 * time token and latent tokens of one draw. The mask gives each row exactly what its row of
 * generationForward sees (§2.3):
 *
 *   prefix rows          causal over the prefix
 *   suffix_b rows        the prefix, and suffix_b causally
 *   group rows of clip b the prefix and all of suffix_b; the time row itself, a visual row its group
 *
 * and the position ids are those of generationPositionIds (prefix and suffix_b: 0 .. L_b - 1; a group
 * of clip b: L_b .. L_b + N), so every draw gets the v-prediction and gradients it gets there (a test
 * checks it) while the prefix (94 tokens of the Shapes prompts) runs once: the training batches have
 * 28% fewer rows at 6 clips x 4 draws, 32% at 3 x 2 (left pads included in the count before).
 */
import { ops, type Mask, type Tensor } from '../tensor/index.js';
import { generationHead, noiseTokens, textEmbeds, type GenerationInput, type TextBatch } from './generation.js';
import type { HaploOmni } from './haploomni.js';
import { applyFeaturePrescale, RowKind } from './prescale.js';

/** Where each row of the packed sequence comes from, and what it may see. */
export interface SharedPrefixLayout {
  /** rows of the packed sequence, Tp = P + sum_b (L_b - P + R G) */
  length: number;
  /** length of the common prefix P */
  prefix: number;
  /** packed row -> row of [text rows B S (row-major) ; noise rows B R G] */
  source: Int32Array;
  /** [1, Tp, Tp] */
  mask: Mask;
  /** [Tp] */
  positions: Int32Array;
  /** [Tp] RowKind of each row */
  kinds: Uint8Array;
  /** packed rows of every draw's latent tokens (time rows left out), draw-major: [B R N] */
  visual: Int32Array;
}

/** Real-token count and first real slot of each left-padded text row. */
function realSpans(text: TextBatch): { start: number; count: number }[] {
  return Array.from({ length: text.batch }, (_, b) => {
    let count = 0;
    for (let j = 0; j < text.length; j++) count += text.mask[b * text.length + j] !== 0 ? 1 : 0;
    return { start: text.length - count, count };
  });
}

/** Length of the longest token prefix shared by the real tokens of every row. */
export function sharedPrefixLength(text: TextBatch): number {
  const spans = realSpans(text), S = text.length;
  const most = Math.min(...spans.map((s) => s.count));
  let p = 0;
  for (; p < most; p++) {
    const id = text.ids[spans[0].start + p];
    if (spans.some((s, b) => text.ids[b * S + s.start + p] !== id)) break;
  }
  return p;
}

/** The packed layout of B left-padded prompts with R noise groups of G rows each (file comment). */
export function sharedPrefixLayout(text: TextBatch, draws: number, groupRows: number): SharedPrefixLayout {
  const { batch: B, length: S } = text, R = draws, G = groupRows;
  const spans = realSpans(text), P = sharedPrefixLength(text);
  const T = P + spans.reduce((sum, s) => sum + s.count - P + R * G, 0);
  const source = new Int32Array(T), positions = new Int32Array(T), kinds = new Uint8Array(T);
  const visual = new Int32Array(B * R * (G - 1));
  const mask = new Uint8Array(T * T);
  for (let i = 0; i < P; i++) {
    source[i] = spans[0].start + i;
    positions[i] = i;
    mask.fill(1, i * T, i * T + i + 1);
  }
  let row = P, v = 0;
  spans.forEach((s, b) => {
    const suffixStart = row, suffixEnd = row + s.count - P;
    for (; row < suffixEnd; row++) {
      source[row] = b * S + s.start + P + (row - suffixStart);
      positions[row] = P + (row - suffixStart);
      mask.fill(1, row * T, row * T + P);
      mask.fill(1, row * T + suffixStart, row * T + row + 1);
    }
    for (let r = 0; r < R; r++) {
      const groupStart = row;
      for (let g = 0; g < G; g++, row++) {
        source[row] = B * S + (b * R + r) * G + g;
        positions[row] = s.count + g;
        kinds[row] = RowKind.Noise;
        mask.fill(1, row * T, row * T + P);
        mask.fill(1, row * T + suffixStart, row * T + suffixEnd);
        if (g === 0) mask[row * T + row] = 1;
        else {
          mask.fill(1, row * T + groupStart, row * T + groupStart + G);
          visual[v++] = row;
        }
      }
    }
  });
  return { length: T, prefix: P, source, mask: { data: mask, shape: [1, T, T] }, positions, kinds, visual };
}

/** generationForward's v-prediction [B R, F, C, h, w], with the prompts' common prefix run once. */
export function generationForwardShared(model: HaploOmni, input: GenerationInput): Tensor {
  const { latents, text } = input, R = input.draws ?? 1;
  const [rows] = latents.shape, batch = rows / R;
  if (!Number.isInteger(R) || R < 1 || !Number.isInteger(batch)) throw new Error(`${rows} latent rows cannot be ${R} noise draws per prompt`);
  if (text.batch !== batch || text.ids.length !== batch * text.length || text.mask.length !== text.ids.length) {
    throw new Error(`text [${text.batch}, ${text.length}] with ${text.ids.length} ids and ${text.mask.length} mask entries does not match ${batch} prompts`);
  }
  const { tokens, temb } = noiseTokens(model, latents, input.timesteps);
  const [, G, D] = tokens.shape;
  const layout = sharedPrefixLayout(text, R, G);
  const embeds = ops.reshape(textEmbeds(model, text), [batch * text.length, D]);
  const sources = ops.concat([embeds, ops.reshape(tokens, [rows * G, D])], 0);
  const packed = ops.reshape(ops.indexSelect(sources, 0, layout.source), [1, layout.length, D]);
  const hidden = applyFeaturePrescale(model.config, model.model.pre_norm.forward(packed), layout.kinds);
  const post = model.decode(hidden, { mask: layout.mask, positions: layout.positions, ropeBatch: 1 });
  const visual = ops.reshape(ops.indexSelect(ops.reshape(post, [layout.length, post.shape[2]]), 0, layout.visual), [rows, G - 1, post.shape[2]]);
  return generationHead(model, visual, temb, latents.shape);
}
