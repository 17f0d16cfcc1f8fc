/**
 * Reading the records of a manifest file: a JSON array (the file starts with "[") or JSON Lines
 * (one object per line; blank lines are skipped). Syntax errors become issues, not exceptions.
 */
import { readFileSync } from 'node:fs';
import type { DatasetIssue, RecordLocation } from './issues.js';

export interface RawRecord {
  value: unknown;
  at: RecordLocation;
}

export interface ManifestContents<T> {
  file: string;
  /** Valid records only. */
  records: T[];
  /** Every problem found, in file order. */
  issues: DatasetIssue[];
}

export interface ReadManifestOptions {
  /** Check that media files exist and have a supported extension (default true). */
  checkFiles?: boolean;
}

export interface RawManifest {
  records: RawRecord[];
  issues: DatasetIssue[];
}

/** Parses the manifest's records. Throws only if the file cannot be read. */
export function readManifestRecords(file: string): RawManifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'manifest not found' : code === 'EISDIR' ? 'is a directory, not a manifest file' : (e as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trimStart().startsWith('[')) return parseJsonArray(file, text);
  const records: RawRecord[] = [];
  const issues: DatasetIssue[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      records.push({ value: JSON.parse(line), at: { file, line: i + 1 } });
    } catch (e) {
      issues.push({ file, line: i + 1, reason: `invalid JSON: ${(e as Error).message}` });
    }
  });
  if (records.length === 0 && issues.length === 0) issues.push({ file, reason: 'manifest is empty' });
  return { records, issues };
}

interface ArrayElement {
  text: string;
  /** 1-based line where the element starts. */
  line: number;
}

/**
 * Splits the top level of a JSON array into its elements' source texts, tracking strings and
 * nesting, so that each record can be parsed (and fail) on its own. Returns an error reason when
 * the array itself is malformed.
 */
function splitJsonArray(text: string): { elements: ArrayElement[]; error?: { line: number; reason: string } } {
  const elements: ArrayElement[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let start = -1;
  let startLine = 0;
  let closed = false;
  const flush = (end: number): void => {
    const body = text.slice(start, end);
    if (body.trim() !== '') elements.push({ text: body, line: startLine + (body.match(/^\s*/)![0].split('\n').length - 1) });
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (closed) {
      if (!/\s/.test(c)) return { elements, error: { line, reason: 'unexpected text after the closing "]" of the array' } };
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) {
        start = i + 1;
        startLine = line;
      }
    } else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        flush(i);
        closed = true;
      }
    } else if (c === ',' && depth === 1) {
      flush(i);
      start = i + 1;
      startLine = line;
    }
  }
  if (!closed) return { elements, error: { line, reason: 'the array is not closed (missing "]"; is the file truncated?)' } };
  return { elements };
}

function parseJsonArray(file: string, text: string): RawManifest {
  const { elements, error } = splitJsonArray(text);
  const records: RawRecord[] = [];
  const issues: DatasetIssue[] = [];
  elements.forEach(({ text: body, line }, index) => {
    try {
      records.push({ value: JSON.parse(body), at: { file, index, line } });
    } catch (e) {
      issues.push({ file, index, line, reason: `invalid JSON: ${(e as Error).message}` });
    }
  });
  if (error) issues.push({ file, line: error.line, reason: `invalid JSON: ${error.reason}` });
  else if (elements.length === 0) issues.push({ file, reason: 'manifest is empty' });
  return { records, issues };
}
