import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkDataset } from '../../src/data/datasets/check.js';
import { readGenerationManifest } from '../../src/data/datasets/generation.js';
import { writeShapesDataset } from '../../src/data/datasets/shapes-export.js';
import { readUnderstandingManifest } from '../../src/data/datasets/understanding.js';
import { readMedia } from '../../src/data/media/read.js';
import { shapesSample } from '../../src/data/shapes/world.js';
import { tempDir } from './helpers.js';

for (const frames of [9, 1]) {
  test(`Shapes -> disk -> readers gives back the same frames and texts (${frames === 1 ? 'images' : 'videos'})`, async () => {
    const { dir, cleanup } = tempDir();
    try {
      const progress: number[] = [];
      const result = writeShapesDataset({ outDir: dir, split: 'val', count: 5, start: 10, frames, seed: 3, onProgress: (done) => progress.push(done) });
      assert.deepEqual(progress, [1, 2, 3, 4, 5]);
      const und = readUnderstandingManifest(result.understandingManifest);
      const gen = readGenerationManifest(result.generationManifest);
      assert.deepEqual([und.issues, gen.issues], [[], []]);
      assert.equal(und.records.length, 5);
      for (let k = 0; k < 5; k++) {
        const sample = shapesSample('val', 10 + k, { frames, seed: 3 });
        const record = und.records[k];
        assert.equal(record.id, sample.id);
        assert.equal(record.media?.kind, frames > 1 ? 'video' : 'image');
        const video = await readMedia(record.media!.path);
        assert.deepEqual([video.frameCount, video.height, video.width], [frames, 32, 32]);
        assert.deepEqual(video.frames, sample.frames);
        const placeholder = frames > 1 ? '<video>\n' : '<image>\n';
        assert.deepEqual(
          record.conversations.map((t) => t.value),
          sample.questions.flatMap((q, i) => [(i === 0 ? placeholder : '') + q.question, q.answer]),
        );
        assert.equal(gen.records[k].caption, sample.description);
        assert.equal(gen.records[k].media.path, record.media!.path);
        const scene = JSON.parse(readFileSync(path.join(dir, 'scenes', `${sample.id}.json`), 'utf8'));
        assert.deepEqual(scene.scene, sample.scene);
        assert.deepEqual(scene.captions, sample.captions);
      }
      assert.deepEqual(readdirSync(dir).sort(), ['generation.jsonl', 'media', 'scenes', 'understanding.jsonl']);
      assert.ok(readdirSync(path.join(dir, 'media')).every((f) => /^shapes-val-3-1\d\.(gif|png)$/.test(f)), 'no temporary files left');
      const report = await checkDataset(result.understandingManifest);
      assert.deepEqual([report.valid, report.issues.length], [5, 0]);
    } finally {
      cleanup();
    }
  });
}
