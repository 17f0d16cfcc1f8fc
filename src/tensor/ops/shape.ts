/** Layout ops: reshape, permute, slice, concat, stack, pad, expand, index-select and embedding lookup. */
import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import { contiguousStrides, empty, shapeSize, zeros, type Shape, type Tensor } from '../tensor.js';
import { expandRaw, sumToShape } from './broadcast.js';

function axisOf(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Same elements, new shape (one dimension may be -1). Shares storage. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1).reduce((p, q) => p * q, 1);
  const holes = shape.filter((d) => d === -1).length;
  const resolved = holes === 1 && known > 0 ? shape.map((d) => (d === -1 ? x.size / known : d)) : [...shape];
  if (holes > 1 || shapeSize(resolved) !== x.size || resolved.some((d) => !Number.isInteger(d))) {
    throw new Error(`cannot reshape [${x.shape.join(', ')}] (${x.size} elements) to [${shape.join(', ')}]`);
  }
  return record(x.view(resolved), 'reshape', [x], (g) => [g.view(x.shape)]);
}

/** Reorders axes: out.shape[i] = x.shape[perm[i]]. Copies. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  if (perm.length !== x.rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new Error(`permute order [${perm.join(', ')}] is not a permutation of ${x.rank} axes`);
  }
  const shape = perm.map((p) => x.shape[p]);
  const inStrides = contiguousStrides(x.shape);
  const out = empty(shape);
  kernels().copy(shape, x.data, 0, perm.map((p) => inStrides[p]), out.data, 0, contiguousStrides(shape), false);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => { inverse[p] = i; });
  return record(out, 'permute', [x], (g) => [permute(g, inverse)]);
}

/** Swaps two axes. */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const perm = [...Array(x.rank).keys()];
  const i = axisOf(a, x.rank), j = axisOf(b, x.rank);
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return permute(x, perm);
}

/** Copies the box [starts, starts + shape) of src into dst (or adds, when accumulate), both contiguous. */
function copyBox(shape: Shape, src: Tensor, srcStart: number[], dst: Tensor, dstStart: number[], accumulate: boolean): void {
  const ss = contiguousStrides(src.shape), ds = contiguousStrides(dst.shape);
  const so = srcStart.reduce((p, s, i) => p + s * ss[i], 0), dOff = dstStart.reduce((p, s, i) => p + s * ds[i], 0);
  kernels().copy(shape, src.data, so, ss, dst.data, dOff, ds, accumulate);
}

/** Elements start..end-1 along one axis (negative indices count from the end). */
export function slice(x: Tensor, axis: number, start: number, end: number = x.shape[axisOf(axis, x.rank)]): Tensor {
  const a = axisOf(axis, x.rank);
  const n = x.shape[a];
  const s = start < 0 ? start + n : start, e = end < 0 ? end + n : end;
  if (s < 0 || e > n || s > e) throw new Error(`slice [${start}, ${end}) is out of range for axis ${axis} of size ${n}`);
  const shape = [...x.shape];
  shape[a] = e - s;
  const out = empty(shape);
  const at = x.shape.map((_, i) => (i === a ? s : 0));
  copyBox(shape, x, at, out, shape.map(() => 0), false);
  return record(out, 'slice', [x], (g) => {
    const gx = zeros(x.shape);
    copyBox(shape, g, shape.map(() => 0), gx, at, false);
    return [gx];
  });
}

/** Joins tensors along an existing axis. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('concat needs at least one tensor');
  const a = axisOf(axis, xs[0].rank);
  for (const t of xs) {
    if (t.rank !== xs[0].rank || t.shape.some((d, i) => i !== a && d !== xs[0].shape[i])) {
      throw new Error(`concat along axis ${axis}: shapes [${xs[0].shape.join(', ')}] and [${t.shape.join(', ')}] differ off that axis`);
    }
  }
  const shape = [...xs[0].shape];
  shape[a] = xs.reduce((p, t) => p + t.shape[a], 0);
  const out = empty(shape);
  const offsets: number[] = [];
  let off = 0;
  for (const t of xs) {
    offsets.push(off);
    copyBox(t.shape, t, t.shape.map(() => 0), out, shape.map((_, i) => (i === a ? off : 0)), false);
    off += t.shape[a];
  }
  return record(out, 'concat', xs, (g) => xs.map((t, k) => {
    if (!t.requiresGrad) return null;
    const gt = empty(t.shape);
    copyBox(t.shape, g, shape.map((_, i) => (i === a ? offsets[k] : 0)), gt, t.shape.map(() => 0), false);
    return gt;
  }));
}

/** Joins same-shaped tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error('stack needs at least one tensor');
  const a = axis < 0 ? axis + xs[0].rank + 1 : axis;
  return concat(xs.map((t) => {
    if (t.shape.some((d, i) => d !== xs[0].shape[i]) || t.rank !== xs[0].rank) {
      throw new Error(`stack: shapes [${xs[0].shape.join(', ')}] and [${t.shape.join(', ')}] differ`);
    }
    const s = [...t.shape];
    s.splice(a, 0, 1);
    return reshape(t, s);
  }), a);
}

/** Pads with a constant: pads[i] = [before, after] for axis i (missing trailing entries = no padding). */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  if (pads.length > x.rank) throw new Error(`pad got ${pads.length} axis pairs for a tensor of rank ${x.rank}`);
  const before = x.shape.map((_, i) => pads[i]?.[0] ?? 0), after = x.shape.map((_, i) => pads[i]?.[1] ?? 0);
  if ([...before, ...after].some((p) => !Number.isInteger(p) || p < 0)) throw new Error('pad amounts must be non-negative integers');
  const shape = x.shape.map((d, i) => d + before[i] + after[i]);
  const out = empty(shape);
  out.data.fill(value);
  copyBox(x.shape, x, x.shape.map(() => 0), out, before, false);
  return record(out, 'pad', [x], (g) => {
    const gx = empty(x.shape);
    copyBox(x.shape, g, before, gx, x.shape.map(() => 0), false);
    return [gx];
  });
}

/** Broadcasts x to a larger shape (copies). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  return record(expandRaw(x, shape), 'expand', [x], (g) => [sumToShape(g, x.shape)]);
}

/** Rows of x along `axis` picked by idx (the same index may repeat); gradient scatter-adds back. */
export function indexSelect(x: Tensor, axis: number, idx: Int32Array): Tensor {
  const a = axisOf(axis, x.rank);
  const outer = shapeSize(x.shape.slice(0, a)), n = x.shape[a], inner = shapeSize(x.shape.slice(a + 1));
  for (const i of idx) if (i < 0 || i >= n) throw new Error(`index ${i} is out of range for axis ${axis} of size ${n}`);
  const shape = [...x.shape];
  shape[a] = idx.length;
  const out = empty(shape);
  kernels().indexSelect(x.data, outer, n, inner, idx, out.data);
  return record(out, 'indexSelect', [x], (g) => {
    const gx = zeros(x.shape);
    kernels().indexAdd(g.data, outer, n, inner, idx, gx.data);
    return [gx];
  });
}

/** Embedding lookup: table [vocab, dim], ids of shape idsShape -> [...idsShape, dim]. */
export function embedding(table: Tensor, ids: Int32Array, idsShape: readonly number[] = [ids.length]): Tensor {
  if (table.rank !== 2) throw new Error(`embedding table must be [vocab, dim], got [${table.shape.join(', ')}]`);
  if (shapeSize(idsShape) !== ids.length) throw new Error(`${ids.length} ids do not fit shape [${idsShape.join(', ')}]`);
  const rows = indexSelect(table, 0, ids);
  return reshape(rows, [...idsShape, table.shape[1]]);
}
