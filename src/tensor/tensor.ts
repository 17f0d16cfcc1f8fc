/**
 * Tensor: float32, row-major, contiguous. Shape + storage + (when it takes part in autograd) the node
 * that produced it. Views made by `reshape` share storage; every other op writes a new buffer.
 */
import { backward as runBackward, type GradNode } from './autograd.js';
import { allocate, allocateZeros, recycle, Storage, track, type Disposable } from './memory.js';

export type Shape = readonly number[];

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function assertShape(shape: Shape, what = 'shape'): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${what} [${shape.join(', ')}] has a dimension that is not a non-negative integer`);
  }
}

/** Row-major strides of a contiguous tensor of this shape. */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

let nextId = 1;

export class Tensor implements Disposable {
  readonly id = nextId++;
  readonly shape: Shape;
  readonly size: number;
  /** True for parameters and for results of ops on them (while grad recording is on). */
  requiresGrad = false;
  /** Accumulated gradient (leaves only), same shape. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, for backward; null for leaves and after backward. */
  node: GradNode | null = null;
  /** Optional label (parameter name) used in error messages. */
  name = '';
  private storage: Storage | null;

  /** Wraps storage (taking one reference). Use the factory functions below rather than this. */
  constructor(shape: Shape, storage: Storage, tracked = true) {
    assertShape(shape);
    this.shape = [...shape];
    this.size = shapeSize(shape);
    if (storage.data.length !== this.size) {
      throw new Error(`buffer of ${storage.data.length} elements does not fit shape [${shape.join(', ')}]`);
    }
    this.storage = storage;
    if (tracked) track(this);
  }

  /** The elements (row-major). Throws once the tensor has been disposed. */
  get data(): Float32Array {
    if (!this.storage) throw new Error(`tensor${this.name ? ` '${this.name}'` : ''} [${this.shape.join(', ')}] was used after it was disposed`);
    return this.storage.data;
  }

  get disposed(): boolean {
    return this.storage === null;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Releases the buffer (to the pool once no view shares it). Idempotent. */
  dispose(): void {
    const s = this.storage;
    if (!s) return;
    this.storage = null;
    this.node = null;
    if (--s.refs === 0) recycle(s.data);
  }

  /** A tensor of another shape over the same storage (no copy). Use ops.reshape for autograd. */
  view(shape: Shape): Tensor {
    const s = this.storage;
    if (!s) return this.data as never; // throws the disposed error
    s.refs++;
    return new Tensor(shape, s);
  }

  /** The single element of a size-1 tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item() needs a tensor with one element, got shape [${this.shape.join(', ')}]`);
    return this.data[0];
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  /** Runs reverse-mode autodiff from this tensor (a scalar unless grad is given). */
  backward(grad?: Tensor): void {
    runBackward(this, grad);
  }

  toString(): string {
    return `Tensor(${this.name ? this.name + ', ' : ''}[${this.shape.join(', ')}])`;
  }
}

/** A new tensor with uninitialised contents (every element will be written by the caller). */
export function empty(shape: Shape): Tensor {
  assertShape(shape);
  return new Tensor(shape, new Storage(allocate(shapeSize(shape))));
}

export function zeros(shape: Shape): Tensor {
  assertShape(shape);
  return new Tensor(shape, new Storage(allocateZeros(shapeSize(shape))));
}

export function full(shape: Shape, value: number): Tensor {
  const t = empty(shape);
  t.data.fill(value);
  return t;
}

export function ones(shape: Shape): Tensor {
  return full(shape, 1);
}

export function scalar(value: number): Tensor {
  return full([], value);
}

/** A tensor holding a copy of the given values. */
export function tensor(values: ArrayLike<number>, shape?: Shape): Tensor {
  const s = shape ?? [values.length];
  if (shapeSize(s) !== values.length) {
    throw new Error(`${values.length} values do not fit shape [${s.join(', ')}]`);
  }
  const t = empty(s);
  t.data.set(values);
  return t;
}

/** Wraps an existing Float32Array without copying (the tensor owns it from now on). */
export function fromBuffer(data: Float32Array, shape: Shape): Tensor {
  return new Tensor(shape, new Storage(data));
}

/**
 * A trainable leaf: requiresGrad, never released by tidy scopes, with an optional name (its checkpoint key).
 */
export function parameter(values: Float32Array, shape: Shape, name = ''): Tensor {
  const t = new Tensor(shape, new Storage(values), false);
  t.requiresGrad = true;
  t.name = name;
  return t;
}
