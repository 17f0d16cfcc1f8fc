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
const pool = new Map<number, Float32Array[]>();
let pooledBytes = 0;

/** A float32 buffer of exactly n elements with unspecified contents (zeroed when fresh). */
export function allocate(n: number): Float32Array {
  const free = pool.get(n);
  const buf = free?.pop();
  if (buf) {
    pooledBytes -= buf.byteLength;
    return buf;
  }
  return new Float32Array(n);
}

/** A zero-filled float32 buffer of n elements. */
export function allocateZeros(n: number): Float32Array {
  const free = pool.get(n);
  if (free && free.length) return allocate(n).fill(0);
  return new Float32Array(n);
}

/** Returns a buffer to the pool (dropped instead when the pool is full). */
export function recycle(buf: Float32Array): void {
  if (buf.byteOffset !== 0 || buf.length !== buf.buffer.byteLength / 4) return; // not a whole allocation
  if (pooledBytes + buf.byteLength > POOL_LIMIT_BYTES) return;
  let free = pool.get(buf.length);
  if (!free) pool.set(buf.length, (free = []));
  free.push(buf);
  pooledBytes += buf.byteLength;
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
