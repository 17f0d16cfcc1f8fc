/**
 * Understanding datasets in the LLaVA format: a JSON array or JSONL of records
 *   { "id": "...", "image" | "video": "path", "conversations": [{ "from": "human" | "gpt", "value": "..." }, ...] }
 * where the first human turn carries one "<image>" or "<video>" placeholder for the record's
 * medium (none for text-only records). An optional leading { "from": "system" } turn is allowed.
 */
import path from 'node:path';
import type { ChatMessage } from '../tokenizer/chat-template.js';
import { IMAGE_TOKEN, VIDEO_TOKEN } from '../tokenizer/special-tokens.js';
import { RecordChecker, checkDuplicateIds, describeType, type MediaRef } from './fields.js';
import { sortIssues, type RecordLocation } from './issues.js';
import { readManifestRecords, type ManifestContents, type ReadManifestOptions } from './manifest-file.js';

export interface ConversationTurn {
  from: 'system' | 'human' | 'gpt';
  value: string;
}

export interface UnderstandingRecord {
  id: string;
  /** Absent for text-only records. */
  media?: MediaRef;
  conversations: ConversationTurn[];
  at: RecordLocation;
}

const ROLES = ['system', 'human', 'gpt'] as const;

const countOf = (text: string, token: string): number => text.split(token).length - 1;

/** Reads and validates an understanding manifest, collecting every problem. */
export function readUnderstandingManifest(file: string, options: ReadManifestOptions = {}): ManifestContents<UnderstandingRecord> {
  const { records: raw, issues } = readManifestRecords(file);
  const dir = path.dirname(path.resolve(file));
  const records: UnderstandingRecord[] = [];
  for (const { value, at } of raw) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      issues.push({ ...at, reason: `record must be a JSON object, found ${describeType(value)}` });
      continue;
    }
    const check = new RecordChecker(at, value as Record<string, unknown>);
    const id = check.id(false);
    const media = check.media(dir, false, options.checkFiles ?? true);
    const conversations = checkConversations(check);
    if (conversations) checkPlaceholders(check, conversations, media === null ? undefined : (media?.kind ?? 'none'));
    issues.push(...check.issues);
    if (check.issues.length === 0 && id !== undefined && conversations && media !== null) {
      records.push({ id, ...(media ? { media } : {}), conversations, at });
    }
  }
  checkDuplicateIds(records, issues);
  return { file, records, issues: sortIssues(issues) };
}

function checkConversations(check: RecordChecker): ConversationTurn[] | undefined {
  const v = check.value.conversations;
  if (v === undefined || v === null) {
    check.fail('missing field "conversations"');
    return undefined;
  }
  if (!Array.isArray(v)) {
    check.fail(`field "conversations" must be an array, found ${describeType(v)}`);
    return undefined;
  }
  if (v.length === 0) {
    check.fail('field "conversations" is empty');
    return undefined;
  }
  const turns: ConversationTurn[] = [];
  let ok = true;
  v.forEach((turn: unknown, i) => {
    const where = `conversations[${i}]`;
    if (!turn || typeof turn !== 'object' || Array.isArray(turn)) {
      ok = false;
      check.fail(`${where} must be an object with "from" and "value", found ${describeType(turn)}`);
      return;
    }
    const { from, value } = turn as Record<string, unknown>;
    if (typeof from !== 'string' || !(ROLES as readonly string[]).includes(from)) {
      ok = false;
      check.fail(`${where}.from must be "human" or "gpt" (or "system" first), found ${typeof from === 'string' ? JSON.stringify(from) : from === undefined ? 'nothing' : describeType(from)}`);
    }
    if (typeof value !== 'string') {
      ok = false;
      check.fail(`${where}.value must be a string, found ${value === undefined ? 'nothing' : describeType(value)}`);
    }
    if (ok) turns.push({ from: from as ConversationTurn['from'], value: value as string });
  });
  if (!ok) return undefined;
  // Turn order: [system] human gpt human gpt ... ending with gpt.
  const body = turns[0].from === 'system' ? turns.slice(1) : turns;
  const offset = turns.length - body.length;
  for (let i = 0; i < body.length; i++) {
    const expected = i % 2 === 0 ? 'human' : 'gpt';
    if (body[i].from !== expected) {
      check.fail(`conversations[${i + offset}].from should be "${expected}" (turns alternate human, gpt), found "${body[i].from}"`);
      return undefined;
    }
  }
  if (body.length === 0 || body[body.length - 1].from !== 'gpt') {
    check.fail('conversation must end with a "gpt" turn');
    return undefined;
  }
  return turns;
}

/** Exactly one placeholder of the record's medium, in a human turn; none of the other. */
function checkPlaceholders(check: RecordChecker, turns: readonly ConversationTurn[], medium: 'image' | 'video' | 'none' | undefined): void {
  for (const [kind, token] of [['image', IMAGE_TOKEN], ['video', VIDEO_TOKEN]] as const) {
    const inHuman = turns.filter((t) => t.from === 'human').reduce((n, t) => n + countOf(t.value, token), 0);
    const elsewhere = turns.filter((t) => t.from !== 'human').reduce((n, t) => n + countOf(t.value, token), 0);
    if (elsewhere > 0) check.fail(`placeholder ${token} appears in a non-human turn`);
    if (medium === undefined) continue; // the media field itself is broken; already reported
    const expected = medium === kind ? 1 : 0;
    if (inHuman !== expected) {
      const has = medium === 'none' ? 'has no image or video' : `has ${medium === 'image' ? 'an image' : 'a video'}`;
      check.fail(`placeholder count mismatch: record ${has} but the conversation contains ${inHuman} ${token} placeholder${inHuman === 1 ? '' : 's'} (expected ${expected})`);
    }
  }
}

/** The conversation as chat messages (human -> user, gpt -> assistant), placeholders kept in place. */
export function recordMessages(record: Pick<UnderstandingRecord, 'conversations'>): ChatMessage[] {
  return record.conversations.map((t) => ({ role: t.from === 'human' ? 'user' : t.from === 'gpt' ? 'assistant' : 'system', content: t.value }));
}
