/**
 * Generation datasets: JSONL (or a JSON array) of records
 *   { "video" | "image": "path", "caption": "...", "id"?: "..." }
 * Records without an id are named "<manifest file name>:<line>" (JSONL) or "<name>[<index>]" (JSON array).
 */
import path from 'node:path';
import { RecordChecker, checkDuplicateIds, describeType, type MediaRef } from './fields.js';
import { sortIssues, type RecordLocation } from './issues.js';
import { readManifestRecords, type ManifestContents, type ReadManifestOptions } from './manifest-file.js';

export interface GenerationRecord {
  id: string;
  media: MediaRef;
  caption: string;
  at: RecordLocation;
}

/** Reads and validates a generation manifest, collecting every problem. */
export function readGenerationManifest(file: string, options: ReadManifestOptions = {}): ManifestContents<GenerationRecord> {
  const { records: raw, issues } = readManifestRecords(file);
  const dir = path.dirname(path.resolve(file));
  const records: GenerationRecord[] = [];
  for (const { value, at } of raw) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      issues.push({ ...at, reason: `record must be a JSON object, found ${describeType(value)}` });
      continue;
    }
    const check = new RecordChecker(at, value as Record<string, unknown>);
    const id = check.id(true) ?? (at.index !== undefined ? `${path.basename(file)}[${at.index}]` : `${path.basename(file)}:${at.line}`);
    const media = check.media(dir, true, options.checkFiles ?? true);
    const caption = check.string('caption');
    issues.push(...check.issues);
    if (check.issues.length === 0 && media && caption !== undefined) records.push({ id, media, caption, at });
  }
  checkDuplicateIds(records, issues);
  return { file, records, issues: sortIssues(issues) };
}
