/**
 * Tape-based reverse-mode autodiff. An op that has an input requiring grad records a GradNode on its
 * output: the inputs plus a closure mapping the output gradient to input gradients. `backward` walks
 * the graph in reverse topological order, frees each intermediate gradient as soon as it has been
 * used, accumulates into leaves' `.grad` (so calling it again adds: gradient accumulation), and
 * drops the graph afterwards.
 */
import { kernels } from './backend.js';
import { keep } from './memory.js';
import { empty, ones, Tensor } from './tensor.js';

export interface GradNode {
  /** Op name, for debugging. */
  op: string;
  inputs: readonly Tensor[];
  /** Gradients for each input (null where the input needs none) given the output gradient. */
  backward: (grad: Tensor) => (Tensor | null)[];
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording any graph (inference, optimiser updates, evaluation). */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try { return fn(); } finally { gradEnabled = before; }
}

/** True when an op on these inputs must record a node. */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t?.requiresGrad) return true;
  return false;
}

/** Attaches a node to `out` if any input requires grad (and recording is on). Returns out. */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradNode['backward']): Tensor {
  if (!needsGrad(...inputs)) return out;
  out.requiresGrad = true;
  out.node = { op, inputs, backward };
  return out;
}

/** Nodes reachable from root, in an order where every tensor comes after all tensors computed from it. */
function reverseTopological(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<number>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root.id);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node ? t.node.inputs : [];
    if (i < inputs.length) {
      top[1]++;
      const child = inputs[i];
      if (child.node && !seen.has(child.id)) {
        seen.add(child.id);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

function accumulateInto(target: Tensor, g: Tensor): void {
  if (g.size !== target.size) {
    throw new Error(`gradient of shape [${g.shape.join(', ')}] does not match ${target} during backward`);
  }
  kernels().axpy(1, g.data, target.data, g.size);
}

export function backward(root: Tensor, grad?: Tensor): void {
  if (!root.requiresGrad) throw new Error('backward() on a tensor that does not require grad (no parameter contributed to it, or it was computed under noGrad)');
  if (grad && grad.size !== root.size) throw new Error(`backward(): gradient shape [${grad.shape.join(', ')}] does not match [${root.shape.join(', ')}]`);
  if (!grad && root.size !== 1) throw new Error(`backward() without a gradient needs a scalar, got shape [${root.shape.join(', ')}]`);
  const grads = new Map<number, Tensor>();
  grads.set(root.id, grad ? copyOf(grad) : ones(root.shape));
  for (const t of reverseTopological(root)) {
    const g = grads.get(t.id);
    grads.delete(t.id);
    if (!g) continue;
    const node = t.node;
    if (!node) { // the root itself is a leaf
      if (!addToLeaf(t, g)) g.dispose();
      continue;
    }
    const inputGrads = node.backward(g);
    // A closure may hand back g itself or one tensor for several inputs; the map must own distinct buffers.
    const owned = new Set<Tensor>();
    node.inputs.forEach((input, k) => {
      let gi = inputGrads[k];
      if (!gi || !input.requiresGrad) return;
      if (!input.node) {
        if (owned.has(gi)) gi = copyOf(gi);
        if (addToLeaf(input, gi)) owned.add(gi);
        return;
      }
      const prev = grads.get(input.id);
      if (prev) { accumulateInto(prev, gi); return; }
      if (owned.has(gi)) gi = copyOf(gi);
      grads.set(input.id, gi);
      owned.add(gi);
    });
    for (const x of new Set([g, ...inputGrads])) if (x && !owned.has(x)) x.dispose();
    t.node = null; // free the graph as we go
  }
}

function copyOf(t: Tensor): Tensor {
  const c = empty(t.shape);
  c.data.set(t.data);
  return c;
}

/**
 * Accumulates g into leaf.grad. A leaf without a gradient adopts g itself (no copy, no zero fill);
 * returns true when it did, so the caller must not free g.
 */
function addToLeaf(leaf: Tensor, g: Tensor): boolean {
  if (leaf.grad) {
    accumulateInto(leaf.grad, g);
    return false;
  }
  if (g.size !== leaf.size) throw new Error(`gradient of shape [${g.shape.join(', ')}] does not match ${leaf} during backward`);
  const sameShape = g.shape.length === leaf.shape.length && g.shape.every((d, i) => d === leaf.shape[i]);
  // A differently shaped gradient is adopted through a view (which holds its own storage reference).
  leaf.grad = keep(sameShape ? g : g.view(leaf.shape));
  leaf.grad.name = leaf.name ? `${leaf.name}.grad` : '';
  return sameShape;
}
