import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkDataset, detectDatasetKind } from '../../src/data/datasets/check.js';
import { readGenerationManifest } from '../../src/data/datasets/generation.js';
import { formatIssue } from '../../src/data/datasets/issues.js';
import { readUnderstandingManifest, recordMessages } from '../../src/data/datasets/understanding.js';
import { encodeGif } from '../../src/data/media/gif-encode.js';
import { encodePng } from '../../src/data/media/png.js';
import { shapesSample } from '../../src/data/shapes/world.js';
import { tempDir } from './helpers.js';

/** A dataset folder with a few valid media files. */
function withMedia(run: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(path.join(dir, 'media'));
      writeFileSync(path.join(dir, 'media', 'v.gif'), encodeGif(shapesSample('train', 0)));
      writeFileSync(path.join(dir, 'media', 'i.png'), encodePng(shapesSample('train', 1, { frames: 1 }).frames, 32, 32));
      writeFileSync(path.join(dir, 'media', 'broken.gif'), new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 2]));
      await run(dir);
    } finally {
      cleanup();
    }
  };
}

const jsonl = (records: unknown[]): string => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
const conv = (q: string, a = 'yes') => [{ from: 'human', value: q }, { from: 'gpt', value: a }];

test(
  'a valid LLaVA JSONL manifest reads back with paths resolved against its folder',
  withMedia((dir) => {
    const file = path.join(dir, 'train.jsonl');
    writeFileSync(
      file,
      jsonl([
        { id: 'a', video: 'media/v.gif', conversations: conv('<video>\nIs there a circle?') },
        { id: 7, image: path.join(dir, 'media', 'i.png'), conversations: [{ from: 'system', value: 'Be brief.' }, ...conv('<image>\nColor?', 'red'), ...conv('Shape?', 'circle')] },
        { id: 'text', conversations: conv('Hello?', 'Hi.') },
      ]),
    );
    const m = readUnderstandingManifest(file);
    assert.deepEqual(m.issues, []);
    assert.equal(m.records.length, 3);
    assert.deepEqual(m.records[0].media, { kind: 'video', path: path.join(dir, 'media', 'v.gif'), given: 'media/v.gif' });
    assert.equal(m.records[1].id, '7');
    assert.equal(m.records[2].media, undefined);
    assert.deepEqual(recordMessages(m.records[1]).map((x) => x.role), ['system', 'user', 'assistant', 'user', 'assistant']);
    assert.equal(m.records[0].at.line, 1);
  }),
);

test(
  'every malformed understanding record is reported with its line and reason',
  withMedia((dir) => {
    const file = path.join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      jsonl([
        { id: 'ok', video: 'media/v.gif', conversations: conv('<video>\nQ') },
        '{"id": "broken json", ',
        { video: 'media/v.gif', conversations: conv('<video>\nQ') },
        { id: 'x', video: 'media/missing.gif', conversations: conv('<video>\nQ') },
        { id: 'y', image: 'media/i.png', conversations: conv('no placeholder') },
        { id: 'z', video: 'media/v.gif', conversations: conv('<video>\n<video>\nQ') },
        { id: 'w', conversations: 'hello' },
        { id: 'v', image: 'media/i.png', video: 'media/v.gif', conversations: conv('<image>\nQ') },
        { id: 'u', image: 'media/i.png', conversations: [{ from: 'bot', value: '<image>\nQ' }, { from: 'gpt', value: 3 }] },
        { id: 't', image: 'media/i.png', conversations: [...conv('<image>\nQ'), { from: 'human', value: 'more?' }] },
        { id: 'ok', video: 'media/v.gif', conversations: conv('<video>\nQ') },
        [1, 2],
        { id: 's', image: 'media/notes.txt', conversations: conv('<image>\nQ') },
        { id: 'r', image: 42, conversations: conv('<image>\nQ') },
      ]),
    );
    const m = readUnderstandingManifest(file);
    const lines = m.issues.map((i) => `${i.line}: ${i.reason}`);
    const expect = (line: number, pattern: RegExp): void => assert.ok(lines.some((l) => l.startsWith(`${line}: `) && pattern.test(l)), `no issue matching ${pattern} on line ${line}:\n${lines.join('\n')}`);
    expect(2, /invalid JSON/);
    expect(3, /missing field "id"/);
    expect(4, /missing media file media\/missing\.gif/);
    expect(5, /placeholder count mismatch: record has an image but the conversation contains 0 <image> placeholders \(expected 1\)/);
    expect(6, /contains 2 <video> placeholders/);
    expect(7, /field "conversations" must be an array, found a string/);
    expect(8, /has both "image" and "video"/);
    expect(9, /conversations\[0\]\.from must be "human" or "gpt".*found "bot"/);
    expect(9, /conversations\[1\]\.value must be a string, found a number/);
    expect(10, /must end with a "gpt" turn/);
    expect(11, /duplicate id "ok" \(first used at line 1\)/);
    expect(12, /record must be a JSON object, found an array/);
    expect(13, /unsupported media type "\.txt"/);
    expect(14, /field "image" must be a string, found a number/);
    assert.deepEqual(m.records.map((r) => r.id), ['ok', 'ok']);
    assert.match(formatIssue(m.issues[0]), new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: invalid JSON`));
  }),
);

test(
  'JSON-array manifests report the record index',
  withMedia((dir) => {
    const file = path.join(dir, 'data.json');
    writeFileSync(file, JSON.stringify([{ id: 'a', image: 'media/i.png', conversations: conv('<image>\nQ') }, { id: 'b', image: 'media/i.png' }], null, 2));
    const m = readUnderstandingManifest(file);
    assert.equal(m.records.length, 1);
    assert.deepEqual(m.issues, [{ file, index: 1, line: 16, reason: 'missing field "conversations"' }]);
    assert.equal(formatIssue(m.issues[0]), `${file}[1] (line 16): missing field "conversations"`);
    // A broken record does not hide the others.
    writeFileSync(file, '[\n{"id": "a", "image": },\n{"id": "b", "image": "media/i.png"},\n{"id": "c", "text": "a ] in a string", "conversations": [], "x": "\\"quoted\\""}\n]');
    const broken = readUnderstandingManifest(file).issues.map(formatIssue);
    assert.equal(broken.length, 3, broken.join('\n'));
    assert.match(broken[0], /data\.json\[0\] \(line 2\): invalid JSON/);
    assert.match(broken[1], /data\.json\[1\] \(line 3\): missing field "conversations"/);
    assert.match(broken[2], /data\.json\[2\] \(line 4\): field "conversations" is empty/);
    writeFileSync(file, '[{"id": "a"}, {"id": "b"');
    assert.ok(readUnderstandingManifest(file).issues.some((i) => /the array is not closed/.test(i.reason)));
  }),
);

test(
  'generation manifests: video or image plus caption, ids optional',
  withMedia((dir) => {
    const file = path.join(dir, 'gen.jsonl');
    writeFileSync(
      file,
      jsonl([
        { video: 'media/v.gif', caption: 'a small red circle moving left' },
        { id: 'img', image: 'media/i.png', caption: 'a square' },
        { video: 'media/v.gif' },
        { caption: 'nothing to show' },
        { video: 'media/v.gif', caption: '   ' },
      ]),
    );
    const m = readGenerationManifest(file);
    assert.deepEqual(m.records.map((r) => [r.id, r.media.kind, r.caption]), [['gen.jsonl:1', 'video', 'a small red circle moving left'], ['img', 'image', 'a square']]);
    assert.deepEqual(m.issues.map((i) => [i.line, i.reason]), [[3, 'missing field "caption"'], [4, 'missing field "video" or "image"'], [5, 'field "caption" is empty']]);
  }),
);

test(
  'checkDataset decodes media and counts records; kind is detected',
  withMedia(async (dir) => {
    const file = path.join(dir, 'u.jsonl');
    writeFileSync(
      file,
      jsonl([
        { id: 'a', video: 'media/v.gif', conversations: conv('<video>\nQ') },
        { id: 'b', image: 'media/i.png', conversations: conv('<image>\nQ') },
        { id: 'c', video: 'media/broken.gif', conversations: conv('<video>\nQ') },
        'not json',
      ]),
    );
    assert.equal(detectDatasetKind(file), 'understanding');
    const report = await checkDataset(file);
    assert.deepEqual([report.kind, report.records, report.valid, report.images, report.videos], ['understanding', 4, 2, 1, 1]);
    assert.deepEqual(report.issues.map((i) => i.line), [3, 4]);
    assert.match(report.issues[0].reason, /unreadable media media\/broken\.gif: /);
    const quick = await checkDataset(file, { decode: false });
    assert.equal(quick.valid, 3);
    const gen = path.join(dir, 'g.jsonl');
    writeFileSync(gen, jsonl([{ video: 'media/v.gif', caption: 'c' }]));
    assert.equal(detectDatasetKind(gen), 'generation');
    writeFileSync(gen, jsonl([{ video: 'media/v.gif' }]));
    assert.throws(() => detectDatasetKind(gen), /pass --kind/);
  }),
);

test('unreadable manifests are errors naming the file', () => {
  assert.throws(() => readUnderstandingManifest('/nonexistent/x.jsonl'), /x\.jsonl: manifest not found/);
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, 'empty.jsonl'), '\n\n');
    assert.deepEqual(readGenerationManifest(path.join(dir, 'empty.jsonl')).issues.map((i) => i.reason), ['manifest is empty']);
  } finally {
    cleanup();
  }
});
