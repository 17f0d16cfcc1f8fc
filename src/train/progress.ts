/**
 * A progress line for long runs: step / total, a bar, named figures (losses), throughput and ETA.
 * On a terminal it redraws one line; otherwise it prints a line at most every `intervalMs`.
 */

export interface ProgressOptions {
  total: number;
  /** label before the bar, e.g. 'train' */
  label?: string;
  /** throughput unit, e.g. 'tok' -> 'tok/s' */
  unit?: string;
  /** where to write (default process.stderr) */
  stream?: NodeJS.WriteStream;
  /** minimum time between non-terminal lines */
  intervalMs?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

export class Progress {
  private readonly start = performance.now();
  private readonly startStep: number;
  private lastPrint = 0;
  private units = 0;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;

  /** firstStep: the step a resumed run starts from, so ETA uses only this session's speed. */
  constructor(private readonly o: ProgressOptions, firstStep = 0) {
    this.stream = o.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.startStep = firstStep;
  }

  /** Reports that `step` steps are done, `units` more units processed, with the current figures. */
  update(step: number, units: number, figures: Record<string, number | string>): void {
    this.units += units;
    const now = performance.now();
    const elapsed = (now - this.start) / 1000;
    const done = step - this.startStep;
    const rate = elapsed > 0 ? this.units / elapsed : 0;
    const eta = done > 0 ? ((this.o.total - step) * elapsed) / done : NaN;
    const width = 20, filled = Math.round((width * step) / Math.max(1, this.o.total));
    const bar = '#'.repeat(Math.min(width, filled)).padEnd(width, '.');
    const figs = Object.entries(figures).map(([k, v]) => `${k} ${typeof v === 'number' ? formatFigure(v) : v}`).join('  ');
    const line = `${this.o.label ?? ''} [${bar}] ${step}/${this.o.total}  ${figs}  ${Math.round(rate)} ${this.o.unit ?? 'it'}/s  ETA ${formatDuration(eta)}`;
    if (this.tty) {
      this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 160) - 1)}\x1b[K`);
      if (step >= this.o.total) this.stream.write('\n');
    } else if (now - this.lastPrint >= (this.o.intervalMs ?? 10000) || step >= this.o.total) {
      this.stream.write(line + '\n');
      this.lastPrint = now;
    }
  }

  /** Seconds since this session started. */
  elapsed(): number {
    return (performance.now() - this.start) / 1000;
  }
}

function formatFigure(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 1e-3 ? v.toExponential(2) : v.toPrecision(4);
}
