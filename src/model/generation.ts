/**
 * Generation forward (reference §1.3): noisy latents + timestep + text -> v-prediction.
 *
 *   t_emb = Timesteps(Dpost)(t);  emb = time_embedding(t_emb)                          [B, E]
 *   visual = patch_embed_cogvideo(latents) frame by frame + 3D sin-cos table           [B, N, Dpost]
 *   time   = temb_token(silu(emb))                                                      [B, 1, Dpost]
 *   sequence = [embed_tokens(text) (left-padded) | v2t(time) | v2t(visual)]             [B, S+1+N, Dpre]
 *   (text rows token-shifted when config token_shift: model/token-shift.ts)
 *   h = decoder stack over pre_norm(sequence) with the §2.3 mask and positions
 *   out = proj_out(norm_out(norm_final(h[last N]), emb)), unpatchified                 [B, F, C, H, W]
 * The lm_head is not evaluated.
 *
 * Text-state cache: text rows attend neither the time token nor the noise, so every layer's text
 * keys/values are the same at every denoising step. `prefillTextState` runs the text once and keeps
 * them in a KV cache; `generationForwardCached` then runs only the 1 + N time/noise rows per step,
 * attending [cached text K/V ; their own K/V] with the lower rows of the §2.3 mask.
 */
import { sincos3dTable } from '../nn/sincos.js';
import { timestepSinusoid } from '../nn/timestep.js';
import { fromBuffer, keep, ops, type Tensor } from '../tensor/index.js';
import { LATENT_PATCH } from './config.js';
import type { HaploOmni, KVCache, Trace } from './haploomni.js';
import { generationMask, generationPositionIds, maskBlock } from './masks.js';
import { applyFeaturePrescale, RowKind } from './prescale.js';
import { shiftTextRows } from './token-shift.js';

/** Left-padded text rows: ids and mask [batch, length] (mask 1 = real token). */
export interface TextBatch {
  ids: Int32Array;
  mask: Uint8Array;
  batch: number;
  length: number;
}

/** Left-pads token rows to the longest with `pad` (the reference tokenizer pads on the left). */
export function leftPad(rows: readonly (readonly number[])[], pad: number): TextBatch {
  const batch = rows.length, length = Math.max(0, ...rows.map((r) => r.length));
  const ids = new Int32Array(batch * length).fill(pad), mask = new Uint8Array(batch * length);
  rows.forEach((r, b) => {
    const at = b * length + length - r.length;
    ids.set(r, at);
    mask.fill(1, at, at + r.length);
  });
  return { ids, mask, batch, length };
}

export interface GenerationInput {
  /** noisy latents x_t [B R, F, C, h, w]: R draws per text row, row b R + r */
  latents: Tensor;
  /** integer timesteps, one per latent row */
  timesteps: ArrayLike<number>;
  /** B text rows */
  text: TextBatch;
  /**
   * noise draws R per text row (default 1): the R draws of a prompt follow its text in one sequence,
   * each seeing the text and itself only (masks.ts), so the text rows run once for all R
   */
  draws?: number;
}

/** Latent geometry: frames and the patch grid. */
interface LatentGrid {
  batch: number;
  frames: number;
  rows: number;
  cols: number;
}

function latentGrid(model: HaploOmni, latents: Tensor): LatentGrid {
  const C = model.config.latent_channels, p = LATENT_PATCH;
  const [batch, frames, channels, h, w] = latents.shape;
  if (latents.rank !== 5 || channels !== C || h % p !== 0 || w % p !== 0) {
    throw new Error(`latents must be [batch, frames, ${C}, h, w] with h and w multiples of ${p}, got [${latents.shape.join(', ')}]`);
  }
  return { batch, frames, rows: h / p, cols: w / p };
}

const sincosCache = new Map<string, Tensor>();

/** The 3D sin-cos table [N, D] for a latent grid (memoised, kept out of tidy scopes; a constant). */
function sincosTable(dim: number, g: LatentGrid): Tensor {
  const key = `${dim}/${g.frames}/${g.rows}/${g.cols}`;
  let t = sincosCache.get(key);
  if (!t) sincosCache.set(key, (t = keep(fromBuffer(sincos3dTable(dim, g.frames, g.rows, g.cols), [g.frames * g.rows * g.cols, dim]))));
  return t;
}

/** patch_embed_cogvideo per frame (frame-major, then row, then column) + 3D sin-cos: [B, N, Dpost]. */
export function latentTokens(model: HaploOmni, latents: Tensor, trace?: Trace): Tensor {
  const g = latentGrid(model, latents);
  const [, F, C, h, w] = latents.shape;
  const dim = model.config.post_config.hidden_size;
  const conv = model.patch_embed_cogvideo.proj.forward(ops.reshape(latents, [g.batch * F, C, h, w])); // [B F, D, rows, cols]
  const tokens = ops.permute(ops.reshape(conv, [g.batch, F, dim, g.rows * g.cols]), [0, 1, 3, 2]);
  const visual = ops.add(ops.reshape(tokens, [g.batch, F * g.rows * g.cols, dim]), sincosTable(dim, g));
  trace?.('visual_tokens', visual);
  return visual;
}

/** The time token and the latent tokens in the pre-decoder width, [B, 1 + N, Dpre], plus emb [B, E]. */
export function noiseTokens(model: HaploOmni, latents: Tensor, timesteps: ArrayLike<number>, trace?: Trace): { tokens: Tensor; temb: Tensor } {
  const [batch] = latents.shape;
  if (timesteps.length !== batch) throw new Error(`${timesteps.length} timesteps for ${batch} latent rows`);
  const sinusoid = timestepSinusoid(timesteps, model.config.post_config.hidden_size);
  trace?.('t_sinusoid', sinusoid);
  const temb = model.time_embedding.forward(sinusoid);
  trace?.('temb', temb);
  const visual = latentTokens(model, latents, trace);
  const time = ops.reshape(model.temb_token.forward(ops.silu(temb)), [batch, 1, visual.shape[2]]);
  trace?.('temb_token', time);
  return { tokens: model.v2t_projector.forward(ops.concat([time, visual], 1)), temb };
}

/** norm_final, norm_out (AdaLayerNorm on emb), proj_out, unpatchify: [B, N, Dpost] -> [B, F, C, h, w]. */
export function generationHead(model: HaploOmni, visualOut: Tensor, temb: Tensor, latentShape: readonly number[]): Tensor {
  const [batch, F, C, h, w] = latentShape, p = LATENT_PATCH;
  const x = model.proj_out.forward(model.norm_out.forward(model.norm_final.forward(visualOut), temb));
  // proj_out channel k = c p^2 + py p + px: [B, F, h/p, w/p, C, p, p] -> [B, F, C, h/p, p, w/p, p]
  const patches = ops.reshape(x, [batch, F, h / p, w / p, C, p, p]);
  return ops.reshape(ops.permute(patches, [0, 1, 4, 2, 5, 3, 6]), [batch, F, C, h, w]);
}

function checkText(text: TextBatch, batch: number): void {
  if (text.batch !== batch) throw new Error(`text has ${text.batch} rows but the latents ${batch}`);
  if (text.ids.length !== text.batch * text.length || text.mask.length !== text.ids.length) {
    throw new Error(`text ids (${text.ids.length}) and mask (${text.mask.length}) must both fill [${text.batch}, ${text.length}]`);
  }
}

/** The prompt rows' embeddings [B, S, Dpre], token-shifted when the config has a token shift (the time and noise rows never are). */
export function textEmbeds(model: HaploOmni, text: TextBatch): Tensor {
  return shiftTextRows(model.model.embed_tokens.forward(text.ids, [text.batch, text.length]), model.model.token_shift, null, text.mask);
}

/** Row kinds of the [text | time | visual] sequence: text, then noise. */
function sequenceKinds(batch: number, S: number, noise: number, start = 0): Uint8Array {
  const T = S + noise, kinds = new Uint8Array(batch * (T - start));
  for (let b = 0; b < batch; b++) for (let j = start; j < T; j++) kinds[b * (T - start) + j - start] = j < S ? RowKind.Text : RowKind.Noise;
  return kinds;
}

/** Full generation forward (no cache): the v-prediction [B R, F, C, h, w]. */
export function generationForward(model: HaploOmni, input: GenerationInput, opts: { trace?: Trace } = {}): Tensor {
  const { latents, text } = input, trace = opts.trace, R = input.draws ?? 1;
  const [rows] = latents.shape, batch = rows / R;
  if (!Number.isInteger(R) || R < 1 || !Number.isInteger(batch)) throw new Error(`${rows} latent rows cannot be ${R} noise draws per prompt`);
  checkText(text, batch);
  const { tokens, temb } = noiseTokens(model, latents, input.timesteps, trace);
  const S = text.length, G = tokens.shape[1], N = G - 1;
  const groups = R === 1 ? tokens : ops.reshape(tokens, [batch, R * G, tokens.shape[2]]);
  const embeds = ops.concat([textEmbeds(model, text), groups], 1);
  trace?.('inputs_embeds', embeds);
  let hidden = model.model.pre_norm.forward(embeds);
  trace?.('after_pre_norm', hidden);
  hidden = applyFeaturePrescale(model.config, hidden, sequenceKinds(batch, S, R * G));
  trace?.('after_feature_prescale', hidden);
  const post = model.decode(hidden, {
    mask: generationMask(text.mask, batch, S, N, R), positions: generationPositionIds(text.mask, batch, S, N, R), ropeBatch: batch, trace,
  });
  // every group's rows after its time row: [B, S + R G, D] -> [B R, N, D]
  const visual = R === 1 ? ops.slice(post, 1, S + 1) : ops.slice(ops.reshape(ops.slice(post, 1, S), [rows, G, post.shape[2]]), 1, 1);
  const v = generationHead(model, visual, temb, latents.shape);
  trace?.('v_pred', v);
  return v;
}

/** Text keys/values of every layer, computed once per prompt batch (inference only). */
export interface TextState {
  text: TextBatch;
  /** latent tokens N the cache has room for */
  numVisual: number;
  cache: KVCache;
}

/** Runs the text rows once, filling a KV cache of capacity S + 1 + N (call under noGrad). */
export function prefillTextState(model: HaploOmni, text: TextBatch, numVisual: number): TextState {
  const { batch, length: S } = text;
  checkText(text, batch);
  const T = S + 1 + numVisual;
  const cache = model.createKVCache(batch, T);
  const hidden = model.model.pre_norm.forward(textEmbeds(model, text));
  const mask = maskBlock(generationMask(text.mask, batch, S, numVisual), 0, S, S);
  const positions = generationPositionIds(text.mask, batch, S, numVisual);
  model.decode(hidden, { mask, positions: rowsOf(positions, batch, T, 0, S), ropeBatch: batch, cache, offset: 0 });
  return { text, numVisual, cache };
}

/** The v-prediction from the time and noise rows only, reusing the cached text keys/values (call under noGrad). */
export function generationForwardCached(model: HaploOmni, state: TextState, latents: Tensor, timesteps: ArrayLike<number>): Tensor {
  const { text, numVisual: N } = state;
  const [batch] = latents.shape;
  checkText(text, batch);
  const { tokens, temb } = noiseTokens(model, latents, timesteps);
  if (tokens.shape[1] - 1 !== N) throw new Error(`the text state was prepared for ${N} latent tokens, the latents give ${tokens.shape[1] - 1}`);
  const S = text.length, T = S + 1 + N;
  const hidden = applyFeaturePrescale(model.config, model.model.pre_norm.forward(tokens), sequenceKinds(batch, S, 1 + N, S));
  const mask = maskBlock(generationMask(text.mask, batch, S, N), S, T, T);
  const positions = rowsOf(generationPositionIds(text.mask, batch, S, N), batch, T, S, T);
  const post = model.decode(hidden, { mask, positions, ropeBatch: batch, cache: state.cache, offset: S });
  return generationHead(model, ops.slice(post, 1, 1), temb, latents.shape);
}

/** Columns [from, to) of every row of a [batch, T] Int32Array. */
function rowsOf(a: Int32Array, batch: number, T: number, from: number, to: number): Int32Array {
  const out = new Int32Array(batch * (to - from));
  for (let b = 0; b < batch; b++) out.set(a.subarray(b * T + from, b * T + to), b * (to - from));
  return out;
}
