/**
 * Understanding forward (reference §1.2): text + image/video tokens in, next-token logits out.
 *   inputs_embeds = embed_tokens(ids) with visual features scattered in       [B, T, Dpre]
 *   (+ the token shift on text rows when config token_shift: model/token-shift.ts)
 *   h = pre_norm(inputs_embeds)  (then feature pre-scaling of the visual rows, when enabled)
 *   h = decoder stack (mask: intended §2.1 or causal §2.2; positions cumsum(mask) - 1)
 *   last_hidden = post_linear(post_norm(h)) * post_scale,  logits = lm_head(last_hidden)
 */
import type { Mask, Tensor } from '../tensor/index.js';
import type { UnderstandingMaskMode } from './config.js';
import type { HaploOmni, Trace } from './haploomni.js';
import { positionsFromMask, understandingMask } from './masks.js';
import { applyFeaturePrescale } from './prescale.js';
import { attentionStartIds } from './processor.js';
import { shiftTextRows } from './token-shift.js';
import { embedMultimodal, type MultimodalIds } from './visual.js';

export interface UnderstandingInput extends MultimodalIds {
  /** [batch, length], 1 = real token, 0 = left padding; default all real */
  attentionMask?: Uint8Array;
  /** [batch, length] processor attention_start_ids; computed from the placeholders when absent */
  attentionStartIds?: Int32Array;
}

export interface UnderstandingOptions {
  /** default: config.understanding_mask */
  mask?: UnderstandingMaskMode;
  trace?: Trace;
}

/** The decoder's input for an understanding batch: hidden rows after pre_norm, the mask, positions. */
export interface PreparedUnderstanding {
  /** [B, T, Dpre] inputs_embeds before the token shift (decoding shifts its next row by the last of these) */
  embeds: Tensor;
  /** [B, T, Dpre] after pre_norm and pre-scaling */
  hidden: Tensor;
  mask: Mask;
  positions: Int32Array;
  /** attention_start_ids used by the intended mask (null for causal) */
  startIds: Int32Array | null;
}

export function prepareUnderstanding(model: HaploOmni, input: UnderstandingInput, opts: UnderstandingOptions = {}): PreparedUnderstanding {
  const { batch, length } = input;
  const keyMask = input.attentionMask ?? null;
  if (keyMask && keyMask.length !== batch * length) throw new Error(`attention mask has ${keyMask.length} entries for ids [${batch}, ${length}]`);
  const { embeds, visualRows, counts } = embedMultimodal(model, input);
  const shifted = shiftTextRows(embeds, model.model.token_shift, visualRows, keyMask);
  opts.trace?.('inputs_embeds', shifted);
  let hidden = model.model.pre_norm.forward(shifted);
  opts.trace?.('after_pre_norm', hidden);
  hidden = applyFeaturePrescale(model.config, hidden, visualRows);
  opts.trace?.('after_feature_prescale', hidden);
  const mode = opts.mask ?? model.config.understanding_mask;
  let startIds: Int32Array | null = null;
  if (mode === 'intended') {
    startIds = input.attentionStartIds ?? attentionStartIds(input.ids, batch, length, model.config, counts);
    if (startIds.length !== batch * length) throw new Error(`attention start ids have ${startIds.length} entries for ids [${batch}, ${length}]`);
  }
  const mask = understandingMask({ batch, keys: length, keyMask, startIds });
  return { embeds, hidden, mask, positions: positionsFromMask(keyMask, batch, length), startIds };
}

/** Full understanding forward: logits [B, T, V] and last_hidden [B, T, D]. */
export function understandingForward(model: HaploOmni, input: UnderstandingInput, opts: UnderstandingOptions = {}): { logits: Tensor; lastHidden: Tensor } {
  const p = prepareUnderstanding(model, input, opts);
  const post = model.decode(p.hidden, { mask: p.mask, positions: p.positions, ropeBatch: input.batch, trace: opts.trace });
  return model.textHead(post, opts.trace);
}
