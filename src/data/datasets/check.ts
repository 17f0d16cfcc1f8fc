/**
 * Whole-dataset validation without training: every record, every referenced media file (exists
 * and decodes), all problems collected.
 */
import { readMedia } from '../media/read.js';
import type { MediaRef } from './fields.js';
import { sortIssues, type DatasetIssue, type RecordLocation } from './issues.js';
import { readManifestRecords, type ManifestContents } from './manifest-file.js';
import { readGenerationManifest } from './generation.js';
import { readUnderstandingManifest } from './understanding.js';

export type DatasetKind = 'understanding' | 'generation';

export interface DatasetCheckReport {
  file: string;
  kind: DatasetKind;
  records: number;
  /** Records without any problem. */
  valid: number;
  images: number;
  videos: number;
  /** Understanding records without media. */
  textOnly: number;
  issues: DatasetIssue[];
}

/**
 * Guesses the kind from the first object record: "conversations" means understanding, "caption"
 * generation. Throws when neither is present.
 */
export function detectDatasetKind(file: string): DatasetKind {
  const first = readManifestRecords(file).records.find((r) => r.value && typeof r.value === 'object' && !Array.isArray(r.value));
  const value = first?.value as Record<string, unknown> | undefined;
  if (value && 'conversations' in value) return 'understanding';
  if (value && 'caption' in value) return 'generation';
  throw new Error(`${file}: cannot tell whether this is an understanding or a generation dataset (no "conversations" or "caption" field in the first record); pass --kind`);
}

/**
 * Validates a manifest. With `decode` (default), every media file is also decoded, and failures
 * are reported against each record that uses the file.
 */
export async function checkDataset(file: string, options: { kind?: DatasetKind; decode?: boolean } = {}): Promise<DatasetCheckReport> {
  const kind = options.kind ?? detectDatasetKind(file);
  const contents: ManifestContents<{ media?: MediaRef; at: RecordLocation }> = kind === 'understanding' ? readUnderstandingManifest(file) : readGenerationManifest(file);
  const issues = [...contents.issues];
  const invalid = new Set<string>();
  for (const i of issues) invalid.add(`${i.line}:${i.index}`);
  if (options.decode ?? true) {
    const failures = new Map<string, string | undefined>();
    for (const record of contents.records) {
      if (!record.media) continue;
      if (!failures.has(record.media.path)) failures.set(record.media.path, await decodeFailure(record.media.path));
      const failure = failures.get(record.media.path);
      if (failure !== undefined) {
        issues.push({ ...record.at, reason: `unreadable media ${record.media.given}: ${failure}` });
        invalid.add(`${record.at.line}:${record.at.index}`);
      }
    }
  }
  // Lines that are not valid JSON count as records too.
  const raw = readManifestRecords(file);
  const records = raw.records.length + raw.issues.filter((i) => i.line !== undefined).length;
  const good = contents.records.filter((r) => !invalid.has(`${r.at.line}:${r.at.index}`));
  return {
    file,
    kind,
    records,
    valid: good.length,
    images: good.filter((r) => r.media?.kind === 'image').length,
    videos: good.filter((r) => r.media?.kind === 'video').length,
    textOnly: good.filter((r) => !r.media).length,
    issues: sortIssues(issues),
  };
}

/** Why the file does not decode, or undefined if it does. */
async function decodeFailure(file: string): Promise<string | undefined> {
  try {
    await readMedia(file, { numFrames: 1 });
    return undefined;
  } catch (e) {
    // readMedia errors start with the file name, which the issue already shows.
    return (e as Error).message.replace(`${file}: `, '');
  }
}
