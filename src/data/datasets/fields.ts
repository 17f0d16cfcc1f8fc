/** Field checks shared by the manifest readers; each returns the value or records an issue. */
import { statSync } from 'node:fs';
import path from 'node:path';
import { MEDIA_EXTENSIONS } from '../media/read.js';
import type { MediaKind } from '../prompts/messages.js';
import type { DatasetIssue, RecordLocation } from './issues.js';

export interface MediaRef {
  kind: MediaKind;
  /** Absolute path (relative paths resolve against the manifest's folder). */
  path: string;
  /** The path as written in the manifest. */
  given: string;
}

/** Collects issues for one record. */
export class RecordChecker {
  readonly issues: DatasetIssue[] = [];

  constructor(
    readonly at: RecordLocation,
    readonly value: Record<string, unknown>,
  ) {}

  fail(reason: string): void {
    this.issues.push({ ...this.at, reason });
  }

  /** A string field; undefined (with an issue unless optional) when missing or mistyped. */
  string(key: string, optional = false): string | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) {
      if (!optional) this.fail(`missing field "${key}"`);
      return undefined;
    }
    if (typeof v !== 'string') {
      this.fail(`field "${key}" must be a string, found ${describeType(v)}`);
      return undefined;
    }
    if (v.trim() === '') {
      this.fail(`field "${key}" is empty`);
      return undefined;
    }
    return v;
  }

  /** The record id: a string or a number (converted to a string). */
  id(optional: boolean): string | undefined {
    const v = this.value.id;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (v === undefined && optional) return undefined;
    if (v !== undefined && typeof v !== 'string') {
      this.fail(`field "id" must be a string or number, found ${describeType(v)}`);
      return undefined;
    }
    return this.string('id');
  }

  /**
   * The record's image or video (at most one). With `required`, a record with neither is an
   * issue. When `checkFiles`, the file must exist and have a supported extension.
   * @returns the reference; undefined when the record has none (allowed); null when the fields
   *   are invalid (the issue is recorded).
   */
  media(manifestDir: string, required: boolean, checkFiles: boolean): MediaRef | undefined | null {
    const hasImage = this.value.image !== undefined && this.value.image !== null;
    const hasVideo = this.value.video !== undefined && this.value.video !== null;
    if (hasImage && hasVideo) {
      this.fail('record has both "image" and "video"; give one');
      return null;
    }
    if (!hasImage && !hasVideo) {
      if (required) this.fail('missing field "video" or "image"');
      return required ? null : undefined;
    }
    const kind: MediaKind = hasImage ? 'image' : 'video';
    if (Array.isArray(this.value[kind])) {
      this.fail(`field "${kind}" must be a single path (string); lists of ${kind}s are not supported`);
      return null;
    }
    const given = this.string(kind);
    if (given === undefined) return null;
    const resolved = path.resolve(manifestDir, given);
    if (checkFiles && !this.mediaFileOk(given, resolved)) return null;
    return { kind, path: resolved, given };
  }

  private mediaFileOk(given: string, resolved: string): boolean {
    const ext = path.extname(resolved).toLowerCase();
    if (!(MEDIA_EXTENSIONS as readonly string[]).includes(ext)) {
      this.fail(`unsupported media type "${ext || '(no extension)'}" for ${given} (supported: ${MEDIA_EXTENSIONS.join(', ')})`);
      return false;
    }
    try {
      if (!statSync(resolved).isFile()) {
        this.fail(`media path ${given} is not a file (${resolved})`);
        return false;
      }
    } catch {
      this.fail(`missing media file ${given} (looked for ${resolved})`);
      return false;
    }
    return true;
  }
}

/** "a string", "a number", "an array", "null", ... for error messages. */
export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const t = typeof v;
  return t === 'object' ? 'an object' : `a ${t}`;
}

/** Adds "duplicate id" issues for repeated ids. */
export function checkDuplicateIds(items: ReadonlyArray<{ id: string; at: RecordLocation }>, issues: DatasetIssue[]): void {
  const first = new Map<string, RecordLocation>();
  for (const { id, at } of items) {
    const seen = first.get(id);
    if (seen) issues.push({ ...at, reason: `duplicate id "${id}" (first used at ${seen.index !== undefined ? `record [${seen.index}]` : `line ${seen.line}`})` });
    else first.set(id, at);
  }
}
