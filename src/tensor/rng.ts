/**
 * Seeded counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy
 * as 1, 2, 3", SC 2011). Output block b of stream s under seed k is a pure function
 * philox(counter = [b_lo, b_hi, s, 0], key = k), so any position can be recomputed, the state is three
 * integers (saved in checkpoints), and every backend sees identical numbers (this runs in TypeScript).
 */
import { fromBuffer, type Shape, shapeSize, type Tensor } from './tensor.js';

const M0 = 0xd2511f53, M1 = 0xcd9e8d57, W0 = 0x9e3779b9, W1 = 0xbb67ae85;
const TWO32 = 4294967296;

/** High 32 bits of the 64-bit product of two uint32 (exact, via 16-bit halves in float64). */
function mulhi(a: number, b: number): number {
  const ah = a >>> 16, al = a & 0xffff, bh = b >>> 16, bl = b & 0xffff;
  const mid = ah * bl + al * bh + Math.floor((al * bl) / 65536);
  return (ah * bh + Math.floor(mid / 65536)) >>> 0;
}

/** One Philox4x32-10 block: 4 uint32 outputs written to out. */
export function philox(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(M0, c0), lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2), lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0; c1 = lo1; c2 = (hi0 ^ c3 ^ k1) >>> 0; c3 = lo0;
    k0 = (k0 + W0) >>> 0; k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/** Everything needed to resume a generator exactly. */
export interface RngState {
  seed: number;
  stream: number;
  /** next unused 4-word block */
  block: number;
}

export class Rng {
  private readonly k0: number;
  private readonly k1: number;
  private readonly words = new Uint32Array(4);
  block: number;

  /** seed: any integer in [0, 2^53); stream: an independent sequence id under the same seed. */
  constructor(readonly seed: number, readonly stream = 0, block = 0) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`RNG seed must be a non-negative safe integer, got ${seed}`);
    if (!Number.isInteger(stream) || stream < 0 || stream >= TWO32) throw new Error(`RNG stream must be a uint32, got ${stream}`);
    this.k0 = seed % TWO32 >>> 0;
    this.k1 = Math.floor(seed / TWO32) >>> 0;
    this.block = block;
  }

  static fromState(s: RngState): Rng {
    return new Rng(s.seed, s.stream, s.block);
  }

  state(): RngState {
    return { seed: this.seed, stream: this.stream, block: this.block };
  }

  /** An independent generator under the same seed. */
  fork(stream: number): Rng {
    return new Rng(this.seed, stream);
  }

  private nextBlock(): Uint32Array {
    const b = this.block++;
    philox(b % TWO32 >>> 0, Math.floor(b / TWO32) >>> 0, this.stream, 0, this.k0, this.k1, this.words);
    return this.words;
  }

  /** n uint32 values; every call starts at a fresh block. */
  uint32(n: number): Uint32Array {
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i += 4) {
      const w = this.nextBlock();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = w[j];
    }
    return out;
  }

  /** n floats uniform in [0, 1): the top 24 bits of each word times 2^-24. */
  uniform(n: number): Float32Array {
    const u = this.uint32(n), out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (u[i] >>> 8) * 5.9604644775390625e-8;
    return out;
  }

  /** n standard normal floats by Box-Muller on pairs of words: r = sqrt(-2 ln u1), (r cos 2 pi u2, r sin 2 pi u2). */
  normal(n: number): Float32Array {
    const u = this.uint32(n + (n & 1)), out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const u1 = ((u[i] >>> 8) + 0.5) * 5.9604644775390625e-8;
      const u2 = (u[i + 1] >>> 8) * 5.9604644775390625e-8;
      const r = Math.sqrt(-2 * Math.log(u1)), a = 2 * Math.PI * u2;
      out[i] = r * Math.cos(a);
      if (i + 1 < n) out[i + 1] = r * Math.sin(a);
    }
    return out;
  }

  /** One integer uniform in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Rng.int needs a positive integer bound, got ${n}`);
    return Math.floor(this.uniform(1)[0] * n);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): number[] {
    const p = [...Array(n).keys()];
    const u = this.uniform(n);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(u[i] * (i + 1));
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }
}

/** A tensor of standard normal samples times std. */
export function randn(shape: Shape, rng: Rng, std = 1): Tensor {
  const d = rng.normal(shapeSize(shape));
  if (std !== 1) for (let i = 0; i < d.length; i++) d[i] *= std;
  return fromBuffer(d, shape);
}

/** A tensor of uniform samples in [lo, hi). */
export function rand(shape: Shape, rng: Rng, lo = 0, hi = 1): Tensor {
  const d = rng.uniform(shapeSize(shape));
  for (let i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * d[i];
  return fromBuffer(d, shape);
}
