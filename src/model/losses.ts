/** Training loss of the understanding path. */
import { ops, type Tensor } from '../tensor/index.js';
import type { HaploOmni } from './haploomni.js';
import { prepareUnderstanding, type UnderstandingInput, type UnderstandingOptions } from './understanding.js';

/** An understanding batch with next-token labels [batch, length]: -100 on prompt, media and padding tokens. */
export interface UnderstandingBatch extends UnderstandingInput {
  labels: Int32Array;
}

/**
 * Next-token cross-entropy, shifted as transformers does: the logits at position j predict labels[j + 1];
 * the mean runs over labels that are not -100.
 */
export function understandingLoss(model: HaploOmni, batch: UnderstandingBatch, opts: UnderstandingOptions = {}): Tensor {
  const { batch: B, length: T, labels } = batch;
  if (labels.length !== B * T) throw new Error(`labels have ${labels.length} entries for ids [${B}, ${T}]`);
  if (T < 2) throw new Error(`next-token prediction needs sequences of at least 2 tokens, got ${T}`);
  const p = prepareUnderstanding(model, batch, opts);
  const post = model.decode(p.hidden, { mask: p.mask, positions: p.positions, ropeBatch: B, trace: opts.trace });
  const { logits } = model.textHead(ops.slice(post, 1, 0, T - 1));
  const targets = new Int32Array(B * (T - 1));
  for (let b = 0; b < B; b++) targets.set(labels.subarray(b * T + 1, (b + 1) * T), b * (T - 1));
  return ops.crossEntropy(logits, targets, { ignoreIndex: -100 });
}
