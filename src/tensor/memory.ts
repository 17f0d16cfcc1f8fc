/**
 * Buffer memory: a size-keyed pool of Float32Arrays and scopes that release what they created.
 *
 * Tensors normally die with the garbage collector. Training loops instead run each step inside
 * `tidy(fn)`: every tensor created in fn is disposed when fn returns (except what fn returns or
 * `keep`s), and disposed buffers go back to the pool for the next step to reuse, so a long run
 * allocates its working set once and stops growing.
 */

/** A buffer shared by a tensor and its reshaped views; returned to the pool when the last one dies. */
export class Storage {
  refs = 1;
  constructor(public data: Float32Array) {}
}

/** Any object that can be released by a scope. */
export interface Disposable {
  dispose(): void;
  readonly disposed: boolean;
}

const POOL_LIMIT_BYTES = 4 * 1024 ** 3;
/** Free buffers by their length in floats (a size class). */
const pool = new Map<number, ArrayBuffer[]>();
let pooledBytes = 0;
/** The arrays `allocate` handed out: only these go back to the pool (never a caller's own array or a view of one). */
const handedOut = new WeakSet<Float32Array>();

/**
 * The buffer length serving a request of n floats: n rounded up to a quarter of its power of two
 * (at least 16), so at most 25% is unused. Exact-size pooling missed on almost every step of a
 * training run, whose sequence lengths (so tensor sizes) change from batch to batch: the pool filled
 * up to its limit with sizes never asked for again while every step allocated afresh.
 */
function sizeClass(n: number): number {
  if (n <= 16) return 16;
  const step = Math.max(16, 2 ** Math.floor(Math.log2(n)) / 4);
  return Math.ceil(n / step) * step;
}

/** A float32 array of exactly n elements (a view at offset 0 of a pooled buffer) with unspecified contents (zeroed when fresh). */
export function allocate(n: number): Float32Array {
  if (n === 0) return new Float32Array(0);
  const size = sizeClass(n);
  const free = pool.get(size)?.pop();
  if (free) pooledBytes -= free.byteLength;
  const out = new Float32Array(free ?? new ArrayBuffer(4 * size), 0, n);
  handedOut.add(out);
  return out;
}

/** A zero-filled float32 array of n elements. */
export function allocateZeros(n: number): Float32Array {
  return pool.get(sizeClass(n))?.length ? allocate(n).fill(0) : allocate(n);
}

/** Returns an array `allocate` handed out to the pool (ignored for any other array, and when the pool is full). */
export function recycle(buf: Float32Array): void {
  if (!handedOut.delete(buf)) return;
  const buffer = buf.buffer as ArrayBuffer;
  if (pooledBytes + buffer.byteLength > POOL_LIMIT_BYTES) return;
  let free = pool.get(buffer.byteLength / 4);
  if (!free) pool.set(buffer.byteLength / 4, (free = []));
  free.push(buffer);
  pooledBytes += buffer.byteLength;
}

/** Drops every pooled buffer (for memory measurements and tests). */
export function clearPool(): void {
  pool.clear();
  pooledBytes = 0;
}

export function pooledMemoryBytes(): number {
  return pooledBytes;
}

const scopes: Set<Disposable>[] = [];

/** Registers a new disposable with the innermost scope, if any. */
export function track(d: Disposable): void {
  scopes[scopes.length - 1]?.add(d);
}

/** Removes d from every open scope so that it outlives them. Returns d. */
export function keep<T extends Disposable>(d: T): T {
  for (const s of scopes) s.delete(d);
  return d;
}

/** Disposables reachable from a value: itself, array elements, object fields (one level of nesting each). */
function collect(value: unknown, out: Set<Disposable>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 3) return;
  if ('dispose' in value && 'disposed' in value) {
    out.add(value as Disposable);
    return;
  }
  const items = Array.isArray(value) ? value : value instanceof Map ? [...value.values()] : Object.values(value);
  for (const v of items) collect(v, out, depth + 1);
}

/**
 * Runs fn and disposes every tensor it created, except those in its result (which move to the
 * enclosing scope). fn must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.splice(scopes.lastIndexOf(scope), 1);
    for (const d of scope) d.dispose();
    throw e;
  }
  scopes.splice(scopes.lastIndexOf(scope), 1);
  const survivors = new Set<Disposable>();
  collect(result, survivors);
  for (const d of scope) {
    if (survivors.has(d)) scopes[scopes.length - 1]?.add(d);
    else d.dispose();
  }
  return result;
}
