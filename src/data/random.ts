/**
 * Small deterministic pseudo-random numbers for the data layer.
 *
 * Every random choice in the Shapes world goes through {@link SeededRandom}, so the same integer
 * seed always yields the same bytes on every platform (pure 32-bit integer arithmetic, no
 * Math.random, no floating-point transcendental functions).
 */

/** One splitmix32 scrambling step: maps any 32-bit integer to a well-mixed 32-bit integer. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** Combines several integers (e.g. seed, split id, index) into one 32-bit seed. */
export function hashSeed(...parts: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    if (!Number.isSafeInteger(part)) throw new Error(`hashSeed: ${part} is not an integer`);
    // Fold in the low and high 32 bits so seeds above 2^32 stay distinct.
    const high = Math.floor(part / 0x100000000);
    h = mix32(h ^ (part >>> 0));
    h = mix32(h ^ (high >>> 0));
  }
  return h;
}

/** mulberry32 generator: fast, 32-bit state, good enough statistics for procedural data. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = hashSeed(seed);
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.nextUint32() / 0x100000000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`SeededRandom.int: bad range ${n}`);
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  intBetween(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('SeededRandom.pick: empty list');
    return items[this.int(items.length)];
  }

  /** An element chosen with probability proportional to its weight. */
  pickWeighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    if (!(total > 0)) throw new Error('SeededRandom.pickWeighted: weights sum to zero');
    let r = this.float() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i];
      if (r < 0) return items[i];
    }
    return items[items.length - 1];
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }
}
