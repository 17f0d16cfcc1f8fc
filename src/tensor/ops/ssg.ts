/**
 * Fused ops of the multimodal (SSG) norm (nn/multimodal-norm.ts), over the last axis D of their
 * inputs with R = size / D rows. The latent and condition states lat, cond are [3, D] (rows shift,
 * scale, gate) and s [..., 1] is each row's weight of the condition state, so every mixed state is
 *   mix_k = lat_k + s (cond_k - lat_k)
 * formed on the fly instead of as [R, 3D] intermediate tensors.
 */
import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import { empty, type Tensor } from '../tensor.js';

function rowsOf(x: Tensor, op: string): { rows: number; cols: number } {
  if (x.rank < 1 || x.shape[x.rank - 1] === 0) throw new Error(`${op}: input [${x.shape.join(', ')}] needs a non-empty last axis`);
  const cols = x.shape[x.rank - 1];
  return { rows: x.size / cols, cols };
}

function checkShape(t: Tensor | null, shape: readonly number[], what: string, op: string): void {
  if (t && (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
    throw new Error(`${op}: ${what}${t.name ? ` '${t.name}'` : ''} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
}

/** s [..., 1] of u [..., D] and the states, checked. */
function checkMix(op: string, x: Tensor, s: Tensor, lat: Tensor, cond: Tensor): { rows: number; cols: number } {
  const { rows, cols } = rowsOf(x, op);
  checkShape(s, [...x.shape.slice(0, -1), 1], 's', op);
  checkShape(lat, [3, cols], 'latent state', op);
  checkShape(cond, [3, cols], 'condition state', op);
  return { rows, cols };
}

/**
 * The switch of the multimodal norm: s = softmax(silu(u) w^T + b)[..., 1], u [..., D], w [2, D], b [2]
 * -> [..., 1] (computed as sigmoid(z_1 - z_0)).
 */
export function ssgSwitch(u: Tensor, w: Tensor, b: Tensor): Tensor {
  const { rows, cols } = rowsOf(u, 'ssgSwitch');
  checkShape(w, [2, cols], 'indicator weight', 'ssgSwitch');
  checkShape(b, [2], 'indicator bias', 'ssgSwitch');
  const k = kernels();
  const s = empty([...u.shape.slice(0, -1), 1]);
  k.ssgSwitch(u.data, w.data, b.data, s.data, rows, cols);
  return record(s, 'ssgSwitch', [u, w, b], (g) => {
    const gu = empty(u.shape), gw = empty(w.shape), gb = empty(b.shape);
    k.ssgSwitchBackward(u.data, w.data, s.data, g.data, gu.data, gw.data, gb.data, rows, cols);
    return [gu, gw, gb];
  });
}

/** out = y weight (1 + mix_1) + mix_0 (weight [D] or null): the normalised input, shifted and scaled. */
export function ssgModulate(y: Tensor, weight: Tensor | null, s: Tensor, lat: Tensor, cond: Tensor): Tensor {
  const { rows, cols } = checkMix('ssgModulate', y, s, lat, cond);
  checkShape(weight, [cols], 'weight', 'ssgModulate');
  const k = kernels();
  const out = empty(y.shape);
  k.ssgModulate(y.data, weight?.data ?? null, s.data, lat.data, cond.data, out.data, rows, cols);
  const inputs = weight ? [y, s, lat, cond, weight] : [y, s, lat, cond];
  return record(out, 'ssgModulate', inputs, (g) => {
    const gy = empty(y.shape), gs = empty(s.shape), gLat = empty(lat.shape), gCond = empty(cond.shape);
    const gw = weight ? empty(weight.shape) : null;
    k.ssgModulateBackward(y.data, weight?.data ?? null, s.data, lat.data, cond.data, g.data, gy.data, gw?.data ?? null,
      gs.data, gLat.data, gCond.data, rows, cols);
    return gw ? [gy, gs, gLat, gCond, gw] : [gy, gs, gLat, gCond];
  });
}

/** The gated residual: out = x + mix_2 f (x, f [..., D]). */
export function ssgGatedAdd(x: Tensor, f: Tensor, s: Tensor, lat: Tensor, cond: Tensor): Tensor {
  const { rows, cols } = checkMix('ssgGatedAdd', x, s, lat, cond);
  checkShape(f, x.shape, 'branch', 'ssgGatedAdd');
  const k = kernels();
  const out = empty(x.shape);
  k.ssgGatedAdd(x.data, f.data, s.data, lat.data, cond.data, out.data, rows, cols);
  return record(out, 'ssgGatedAdd', [x, f, s, lat, cond], (g) => {
    const gf = empty(f.shape), gs = empty(s.shape), gLat = empty(lat.shape), gCond = empty(cond.shape);
    k.ssgGatedAddBackward(f.data, s.data, lat.data, cond.data, g.data, gf.data, gs.data, gLat.data, gCond.data, rows, cols);
    return [g, gf, gs, gLat, gCond];
  });
}
