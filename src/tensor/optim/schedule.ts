/** Learning-rate schedules. */

export interface WarmupCosine {
  /** peak learning rate, reached at the end of warmup */
  peak: number;
  /** steps of linear warmup from 0 */
  warmup: number;
  /** total steps; the cosine decays from peak at `warmup` to `min` at `total` */
  total: number;
  /** final learning rate (default 0) */
  min?: number;
}

/** lr(step) for 0-based step: peak (step + 1) / warmup during warmup, then min + (peak - min)(1 + cos(pi p)) / 2. */
export function warmupCosine(step: number, s: WarmupCosine): number {
  const min = s.min ?? 0;
  if (s.warmup > 0 && step < s.warmup) return (s.peak * (step + 1)) / s.warmup;
  const span = Math.max(1, s.total - s.warmup);
  const p = Math.min(1, (step - s.warmup) / span);
  return min + ((s.peak - min) * (1 + Math.cos(Math.PI * p))) / 2;
}
