/** Scaled dot-product attention (fused kernel) and rotary position embedding. */
import { needsGrad, record } from '../autograd.js';
import { kernels } from '../backend.js';
import type { AttentionArgs } from '../kernels.js';
import { empty, type Tensor } from '../tensor.js';

/** A boolean attention mask: data[(b * q + i) * k + j] = 1 when query i may attend key j. */
export interface Mask {
  data: Uint8Array;
  /** [batch or 1, q, k] */
  shape: readonly [number, number, number];
}

export interface AttentionOptions {
  mask?: Mask | null;
  /** default headDim^-0.5 */
  scale?: number;
  /**
   * Keys/values actually used when k and v are a preallocated cache [batch, capacity, kvHeads, dim]
   * (inference only). Default: all rows.
   */
  kvLength?: number;
}

/**
 * softmax(scale Q K^T + mask) V with q [batch, tq, heads, dim], k/v [batch, tk, kvHeads, dim]
 * (grouped-query: heads must be a multiple of kvHeads). Returns [batch, tq, heads, dim].
 * Query rows that may attend nothing get zeros.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new Error(`attention expects [batch, time, heads, dim] tensors, got q [${q.shape.join(', ')}], k [${k.shape.join(', ')}], v [${v.shape.join(', ')}]`);
  }
  const [batch, tq, heads, dim] = q.shape;
  const [kb, capacity, kvHeads, kd] = k.shape;
  if (kb !== batch || kd !== dim || v.shape.some((d, i) => d !== k.shape[i])) {
    throw new Error(`attention: k [${k.shape.join(', ')}] / v [${v.shape.join(', ')}] do not match q [${q.shape.join(', ')}]`);
  }
  if (heads % kvHeads !== 0) throw new Error(`attention: ${heads} query heads are not a multiple of ${kvHeads} key/value heads`);
  const tk = opts.kvLength ?? capacity;
  if (tk > capacity || tk < 0) throw new Error(`attention: kvLength ${tk} exceeds the ${capacity} cached rows`);
  const mask = opts.mask ?? null;
  if (mask) {
    const [mb, mq, mk] = mask.shape;
    if ((mb !== 1 && mb !== batch) || mq !== tq || mk !== tk || mask.data.length !== mb * mq * mk) {
      throw new Error(`attention mask [${mask.shape.join(', ')}] does not fit [batch ${batch} or 1, q ${tq}, k ${tk}]`);
    }
  }
  if (tk !== capacity && needsGrad(q, k, v)) throw new Error('attention over part of a KV cache (kvLength) is inference-only; run it under noGrad');
  const args: AttentionArgs = {
    batch, heads, kvHeads, tq, tk, kvStride: capacity, dim, scale: opts.scale ?? 1 / Math.sqrt(dim),
    q: q.data, k: k.data, v: v.data, mask: mask?.data ?? null, maskBatch: mask ? mask.shape[0] : 1,
  };
  const out = empty(q.shape), lse = empty([batch, heads, tq]);
  kernels().attention(args, out.data, lse.data);
  return record(out, 'attention', [q, k, v], (g) => {
    const gq = empty(q.shape), gk = empty(k.shape), gv = empty(v.shape);
    kernels().attentionBackward({ ...args, q: q.data, k: k.data, v: v.data }, out.data, lse.data, g.data, gq.data, gk.data, gv.data);
    return [gq, gk, gv];
  });
}

/** Rotary tables: cos/sin of the angle pos * invFreq_i, each [tableBatch, t, dim/2] (no grad). */
export interface RopeTable {
  cos: Float32Array;
  sin: Float32Array;
  /** 1 (shared positions) or batch */
  batch: number;
  t: number;
  /** head dim the table serves */
  dim: number;
}

/** Applies rotary embedding (rotate-half form) to x [batch, t, heads, dim]. */
export function rope(x: Tensor, table: RopeTable): Tensor {
  const [batch, t, heads, dim] = x.shape;
  if (x.rank !== 4 || dim !== table.dim || t !== table.t || (table.batch !== 1 && table.batch !== batch)) {
    throw new Error(`rope: x [${x.shape.join(', ')}] does not match a table for ${table.batch} x ${table.t} positions, head dim ${table.dim}`);
  }
  const out = empty(x.shape);
  kernels().rope(x.data, out.data, batch, t, heads, dim, table.cos, table.sin, table.batch, false);
  return record(out, 'rope', [x], (g) => {
    const gx = empty(x.shape);
    kernels().rope(g.data, gx.data, batch, t, heads, dim, table.cos, table.sin, table.batch, true);
    return [gx];
  });
}
