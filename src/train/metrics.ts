/** Metrics log: one JSON object per line, appended (survives crashes; a resumed run continues it). */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export type MetricRecord = Record<string, number | string | boolean | null>;

export function appendMetrics(file: string, record: MetricRecord): void {
  appendFileSync(file, JSON.stringify(record) + '\n');
}

/** Every record in the file; a torn last line (from a kill mid-write) is ignored. */
export function readMetrics(file: string): MetricRecord[] {
  if (!existsSync(file)) return [];
  const out: MetricRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try { out.push(JSON.parse(line) as MetricRecord); } catch { /* torn write at the end of a killed run */ }
  }
  return out;
}

/** Keeps only records with step <= lastStep (used on resume so a replayed step is not logged twice). */
export function truncateMetrics(file: string, lastStep: number): void {
  if (!existsSync(file)) return;
  const kept = readMetrics(file).filter((r) => typeof r.step !== 'number' || r.step <= lastStep);
  writeFileSync(file, kept.map((r) => JSON.stringify(r) + '\n').join(''));
}
