import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeVideo, shapesSample, type RgbVideo } from '../../src/data/index.js';
import { generate, type HaploOmni } from '../../src/model/index.js';
import {
  answerQuestion, answerQuestions, generateVideos, loadPipeline, questionPrompt, savePipeline, type Pipeline,
} from '../../src/pipeline/index.js';
import { saveVae, vaeConfig, VideoVae } from '../../src/vae/index.js';
import { allclose } from '../helpers/allclose.js';
import { TEST_SETTINGS, tempDir, writeTinyModel } from './helpers.js';

const { dir: root, cleanup } = tempDir();
const modelDir = path.join(root, 'f32');
let model: HaploOmni;
let pipeline: Pipeline;
let video: RgbVideo;
const questions = shapesSample('test', 0).questions.slice(0, 5).map((q) => q.question);

before(() => {
  model = writeTinyModel(modelDir, { seed: 3 });
  pipeline = loadPipeline(modelDir);
  const s = shapesSample('test', 0);
  video = makeVideo(s.frames, s.frameCount, s.height, s.width);
});
after(cleanup);

/** Next-token logits of the first answer token. */
function firstLogits(p: Pipeline, question: string): Float32Array {
  let out = new Float32Array(0);
  generate(p.model, [questionPrompt(p, { video, question })], { maxNewTokens: 1, onLogits: (_s, l) => { out = l.data.slice(); } });
  return out;
}

test('F32 save / load gives back the same weights, settings and answers', () => {
  for (const [name, t] of model.stateDict()) assert.deepEqual(pipeline.model.stateDict().get(name)!.data, t.data, name);
  assert.deepEqual(pipeline.settings, TEST_SETTINGS);
  const again = loadPipeline(modelDir);
  assert.equal(answerQuestion(again, { video, question: questions[0] }, { maxNewTokens: 8 }), answerQuestion(pipeline, { video, question: questions[0] }, { maxNewTokens: 8 }));
});

test('F16 save halves the weights file and keeps the outputs close', () => {
  const dir16 = path.join(root, 'f16');
  savePipeline(dir16, pipeline.model, pipeline.settings, { dtype: 'f16', vaeDir: pipeline.vaeDir });
  const p16 = loadPipeline(dir16);
  const size = (d: string) => statSync(path.join(d, 'model.safetensors')).size;
  assert.ok(size(dir16) < 0.51 * size(modelDir), `${size(dir16)} vs ${size(modelDir)} bytes`);
  assert.equal(p16.vaeDir, path.join(dir16, 'vae'));
  for (const [name, t] of model.stateDict()) allclose(p16.model.stateDict().get(name)!.data, t.data, { rtol: 1e-3, atol: 1e-7 }, name);
  const a = firstLogits(pipeline, questions[1]), b = firstLogits(p16, questions[1]);
  allclose(b, a, { rtol: 0, atol: 0.02 }, 'logits');
  assert.notDeepEqual(b, a); // really rounded
});

test('answerQuestion streams exactly the text it returns', () => {
  let streamed = '', pieces = 0;
  const answer = answerQuestion(pipeline, { video, question: questions[2] }, { maxNewTokens: 12, onText: (t) => { streamed += t; pieces++; } });
  assert.equal(streamed, answer);
  assert.ok(answer.length > 0 && pieces > 1, `answer ${JSON.stringify(answer)} in ${pieces} pieces`);
});

test('batched answers equal the answers given one by one', () => {
  const requests = [...questions.map((question) => ({ video, question })), { image: makeVideo(video.frames.slice(0, 32 * 32 * 3), 1, 32, 32), question: 'What color is it?' }];
  const batched = answerQuestions(pipeline, requests, { maxNewTokens: 6, batchSize: 4 });
  assert.deepEqual(batched, requests.map((r) => answerQuestion(pipeline, r, { maxNewTokens: 6 })));
  assert.throws(() => questionPrompt(pipeline, { video, image: video, question: 'x' }), /a video or an image, not both/);
});

test('generateVideos: frames x size from the settings, the same videos for the same seed', () => {
  const a = generateVideos(pipeline, ['a red circle moving left', 'a blue square'], { frames: 5, seed: 7 });
  assert.deepEqual(a.map((v) => [v.frameCount, v.height, v.width, v.frames.length]), [[5, 32, 32, 5 * 32 * 32 * 3], [5, 32, 32, 5 * 32 * 32 * 3]]);
  const b = generateVideos(pipeline, ['a red circle moving left', 'a blue square'], { frames: 5, seed: 7 });
  assert.deepEqual(b.map((v) => v.frames), a.map((v) => v.frames));
  const c = generateVideos(pipeline, ['a red circle moving left', 'a blue square'], { frames: 5, seed: 8 });
  assert.notDeepEqual(c[0].frames, a[0].frames);
  assert.equal(generateVideos(pipeline, ['x'], { steps: 1 })[0].frameCount, TEST_SETTINGS.video_frames);
  assert.throws(() => generateVideos(pipeline, ['x'], { frames: 6 }), /6 frames cannot be encoded; the frame count must be 4k\+1/);
});

test('loading names the missing or incompatible file', () => {
  const broken = path.join(root, 'broken');
  assert.throws(() => loadPipeline(path.join(root, 'nope')), /model folder .*nope does not exist: pass --model a folder/);
  savePipeline(broken, model, TEST_SETTINGS);
  rmSync(path.join(broken, 'model.safetensors'));
  assert.throws(() => loadPipeline(broken), /broken is not a complete model folder: model\.safetensors is missing/);

  savePipeline(broken, model, TEST_SETTINGS);
  writeFileSync(path.join(broken, 'pipeline.json'), '{"video_frames": 8}');
  assert.throws(() => loadPipeline(broken), /pipeline\.json: 'video_frames' must be 1 \+ a multiple of 4, got 8/);
  writeFileSync(path.join(broken, 'pipeline.json'), JSON.stringify(TEST_SETTINGS));

  mkdirSync(path.join(broken, 'vae')); // an own VAE folder without its files (never the shipped one)
  const p = loadPipeline(broken);
  assert.throws(() => p.vae, /no video VAE at .*broken\/vae \(config\.json is missing\)/);
  saveVae(new VideoVae(vaeConfig({ base_channels: 8, norm_groups: 4, latent_channels: 4 })), path.join(broken, 'vae'));
  assert.throws(() => loadPipeline(broken).vae, /vae\/config\.json: latent_channels 4 does not match latent_channels 8 of .*config\.json/);

  const configFile = path.join(broken, 'config.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(configFile, JSON.stringify({ ...config, video_token_index: 700 }));
  assert.throws(() => loadPipeline(broken), /config\.json: video_token_index 700 does not match the id 712 of <video> in the tokenizer/);
});
