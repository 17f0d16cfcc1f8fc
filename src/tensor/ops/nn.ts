/** Neural-network ops with fused kernels: softmax, cross-entropy, LayerNorm, RMSNorm, MSE. */
import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import { empty, scalar, type Tensor } from '../tensor.js';
import { sub } from './elementwise.js';
import { mean } from './reduce.js';
import { square } from './unary.js';

function lastAxis(x: Tensor, op: string): { rows: number; cols: number } {
  if (x.rank === 0) throw new Error(`${op} needs a tensor with at least one axis`);
  const cols = x.shape[x.rank - 1];
  return { rows: cols === 0 ? 0 : x.size / cols, cols };
}

function softmaxOp(x: Tensor, log: boolean): Tensor {
  const { rows, cols } = lastAxis(x, log ? 'logSoftmax' : 'softmax');
  const out = empty(x.shape);
  kernels().softmax(x.data, out.data, rows, cols, log);
  return record(out, log ? 'logSoftmax' : 'softmax', [x], (g) => {
    const gx = empty(x.shape);
    kernels().softmaxBackward(out.data, g.data, gx.data, rows, cols, log);
    return [gx];
  });
}

/** softmax over the last axis: exp(x_i) / sum_j exp(x_j). */
export const softmax = (x: Tensor): Tensor => softmaxOp(x, false);
/** log-softmax over the last axis: x_i - log sum_j exp(x_j). */
export const logSoftmax = (x: Tensor): Tensor => softmaxOp(x, true);

export interface CrossEntropyOptions {
  /** targets equal to this contribute nothing (default -100, as PyTorch) */
  ignoreIndex?: number;
  /** 'mean' over non-ignored targets (default; 0 when all are ignored) or 'sum' */
  reduction?: 'mean' | 'sum';
}

/**
 * Cross-entropy of logits [..., classes] against integer targets (one per row):
 * loss_r = log sum_c exp(x_rc) - x_r[t_r], reduced over non-ignored rows.
 */
export function crossEntropy(logits: Tensor, targets: Int32Array, opts: CrossEntropyOptions = {}): Tensor {
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const { rows, cols } = lastAxis(logits, 'crossEntropy');
  if (targets.length !== rows) throw new Error(`crossEntropy: ${targets.length} targets for ${rows} rows of logits [${logits.shape.join(', ')}]`);
  for (let r = 0; r < rows; r++) {
    const t = targets[r];
    if (t !== ignoreIndex && (t < 0 || t >= cols || !Number.isInteger(t))) throw new Error(`crossEntropy: target ${t} at row ${r} is outside [0, ${cols})`);
  }
  const k = kernels();
  const lossRows = empty([rows]), lse = empty([rows]);
  k.crossEntropy(logits.data, targets, rows, cols, ignoreIndex, lossRows.data, lse.data);
  let counted = 0, total = 0;
  for (let r = 0; r < rows; r++) if (targets[r] !== ignoreIndex) { counted++; total += lossRows.data[r]; }
  lossRows.dispose();
  const weight = opts.reduction === 'sum' ? 1 : counted > 0 ? 1 / counted : 0;
  const out = scalar(total * weight);
  return record(out, 'crossEntropy', [logits], (g) => {
    const gLoss = empty([rows]);
    gLoss.data.fill(g.data[0] * weight);
    const gx = empty(logits.shape);
    k.crossEntropyBackward(logits.data, targets, lse.data, gLoss.data, rows, cols, ignoreIndex, gx.data);
    gLoss.dispose();
    return [gx];
  });
}

function checkAffine(p: Tensor | null, cols: number, what: string): void {
  if (p && (p.rank !== 1 || p.shape[0] !== cols)) throw new Error(`${what}${p.name ? ` '${p.name}'` : ''} has shape [${p.shape.join(', ')}], expected [${cols}]`);
}

/** LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * weight + bias (weight/bias optional). */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  const { rows, cols } = lastAxis(x, 'layerNorm');
  checkAffine(weight, cols, 'layerNorm weight');
  checkAffine(bias, cols, 'layerNorm bias');
  const k = kernels();
  const out = empty(x.shape), mu = empty([rows]), rstd = empty([rows]);
  k.layerNorm(x.data, weight?.data ?? null, bias?.data ?? null, out.data, mu.data, rstd.data, rows, cols, eps);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return record(out, 'layerNorm', inputs, (g) => {
    const gx = empty(x.shape);
    const gw = weight?.requiresGrad ? empty([cols]) : null, gb = bias?.requiresGrad ? empty([cols]) : null;
    k.layerNormBackward(x.data, weight?.data ?? null, mu.data, rstd.data, g.data, gx.data, gw?.data ?? null, gb?.data ?? null, rows, cols);
    return [gx, ...(weight ? [gw] : []), ...(bias ? [gb] : [])];
  });
}

/** RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * weight (weight optional). */
export function rmsNorm(x: Tensor, weight: Tensor | null, eps = 1e-6): Tensor {
  const { rows, cols } = lastAxis(x, 'rmsNorm');
  checkAffine(weight, cols, 'rmsNorm weight');
  const k = kernels();
  const out = empty(x.shape), rstd = empty([rows]);
  k.rmsNorm(x.data, weight?.data ?? null, out.data, rstd.data, rows, cols, eps);
  const inputs = weight ? [x, weight] : [x];
  return record(out, 'rmsNorm', inputs, (g) => {
    const gx = empty(x.shape);
    const gw = weight?.requiresGrad ? empty([cols]) : null;
    k.rmsNormBackward(x.data, weight?.data ?? null, rstd.data, g.data, gx.data, gw?.data ?? null, rows, cols);
    return weight ? [gx, gw] : [gx];
  });
}

/** Mean squared error: mean((a - b)^2). */
export function mseLoss(a: Tensor, b: Tensor): Tensor {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) throw new Error(`mseLoss: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`);
  return mean(square(sub(a, b)));
}
