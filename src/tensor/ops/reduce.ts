/** Reductions over axes: sum, mean, max. */
import { record } from '../autograd.js';
import { kernels } from '../backend.js';
import { empty, shapeSize, type Tensor } from '../tensor.js';
import { expandRaw } from './broadcast.js';
import { scaleRaw } from './elementwise.js';

/** Normalises axis arguments (negative counts from the end; undefined = all axes), sorted ascending, unique. */
export function normalizeAxes(axes: number | readonly number[] | undefined, rank: number): number[] {
  const list = axes === undefined ? [...Array(rank).keys()] : typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => {
    const r = a < 0 ? a + rank : a;
    if (!Number.isInteger(r) || r < 0 || r >= rank) throw new Error(`axis ${a} is out of range for a tensor of rank ${rank}`);
    return r;
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

function reducedShape(shape: readonly number[], axes: number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** Reduces over the given axes with the kernel, one axis at a time (no autograd); keeps dims as 1. */
function reduceRaw(op: 'sum' | 'max', x: Tensor, axes: number[]): Tensor {
  let cur = x;
  let shape = [...x.shape];
  for (const a of axes) {
    const outer = shapeSize(shape.slice(0, a)), inner = shapeSize(shape.slice(a + 1));
    const next = [...shape];
    next[a] = 1;
    const out = empty(next);
    kernels().reduce(op, cur.data, out.data, outer, shape[a], inner);
    if (cur !== x) cur.dispose();
    cur = out;
    shape = next;
  }
  return cur === x ? x.view(shape) : cur;
}

/** Sum over axes (all by default). */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normalizeAxes(axes, x.rank);
  const kept = reduceRaw('sum', x, ax);
  const out = kept.view(reducedShape(x.shape, ax, keepDims));
  kept.dispose();
  return record(out, 'sum', [x], (g) => [expandRaw(g.view(reducedShape(x.shape, ax, true)), x.shape)]);
}

/** Mean over axes (all by default). */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normalizeAxes(axes, x.rank);
  const count = ax.reduce((p, a) => p * x.shape[a], 1);
  const s = reduceRaw('sum', x, ax);
  const out = scaleRaw(s.view(reducedShape(x.shape, ax, keepDims)), 1 / count, false);
  s.dispose();
  return record(out, 'mean', [x], (g) => {
    const e = expandRaw(g.view(reducedShape(x.shape, ax, true)), x.shape);
    return [scaleRaw(e, 1 / count, true)];
  });
}

/** Maximum over axes; the gradient is shared equally among tied maxima (as torch.amax). */
export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normalizeAxes(axes, x.rank);
  const m = reduceRaw('max', x, ax);
  const out = m.view(reducedShape(x.shape, ax, keepDims));
  return record(out, 'max', [x], (g) => {
    const mFull = expandRaw(m, x.shape);
    const gFull = expandRaw(g.view(m.shape), x.shape);
    const hit = empty(x.shape);
    for (let i = 0; i < x.size; i++) hit.data[i] = x.data[i] === mFull.data[i] ? 1 : 0;
    const counts = reduceRaw('sum', hit, ax);
    const cFull = expandRaw(counts, x.shape);
    for (let i = 0; i < x.size; i++) hit.data[i] = hit.data[i] ? gFull.data[i] / cFull.data[i] : 0;
    for (const t of [mFull, gFull, counts, cFull]) t.dispose();
    return [hit];
  });
}
