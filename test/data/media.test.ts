import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { encode as encodeJpeg } from 'jpeg-js';
import { GifWriter } from 'omggif';
import { PNG } from 'pngjs';
import {
  CLIP_MEAN,
  CLIP_STD,
  clipNormalize,
  decodeGif,
  decodeImageBytes,
  encodeGif,
  encodePng,
  frameGrid,
  fromSignedUnit,
  makeVideo,
  readMedia,
  resizeVideo,
  sampleFramesUniformly,
  toSignedUnit,
  uniformFrameIndices,
  writeFrameGrid,
  writeGif,
  writeMp4,
  writePng,
  type RgbVideo,
} from '../../src/data/media/index.js';
import { shapesSample } from '../../src/data/shapes/world.js';
import { tempDir } from './helpers.js';

const px = (v: RgbVideo, f: number, x: number, y: number): number[] => {
  const o = ((f * v.height + y) * v.width + x) * 3;
  return [v.frames[o], v.frames[o + 1], v.frames[o + 2]];
};

/** A video whose every pixel has its own color (more than 256 per frame when large). */
function gradientVideo(frames: number, height: number, width: number, offset = 0): RgbVideo {
  const data = new Uint8Array(frames * height * width * 3);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = ((f * height + y) * width + x) * 3;
        data[o] = (x * 4 + f * 10 + offset) & 255;
        data[o + 1] = (y * 4 + offset) & 255;
        data[o + 2] = (x * 2 + y * 2 + f * 7) & 255;
      }
    }
  }
  return makeVideo(data, frames, height, width);
}

test('Shapes videos survive GIF encoding exactly', () => {
  const s = shapesSample('train', 1);
  const back = decodeGif(encodeGif(s), 'mem.gif');
  assert.deepEqual([back.frameCount, back.height, back.width], [9, 32, 32]);
  assert.deepEqual(back.frames, s.frames);
});

test('GIF encoding uses per-frame palettes when the video has more than 256 colors, and quantises beyond', () => {
  const twoFrames = makeVideo(new Uint8Array([...gradientVideo(1, 12, 16, 0).frames, ...gradientVideo(1, 12, 16, 128).frames]), 2, 12, 16);
  assert.deepEqual(decodeGif(encodeGif(twoFrames), 'mem.gif').frames, twoFrames.frames);
  const rich = gradientVideo(1, 40, 40);
  const back = decodeGif(encodeGif(rich), 'mem.gif');
  let err = 0;
  for (let i = 0; i < rich.frames.length; i++) err += Math.abs(rich.frames[i] - back.frames[i]);
  assert.ok(err / rich.frames.length < 12, `quantisation error ${err / rich.frames.length}`);
});

test('GIF decoding composites partial frames, transparency and all disposal modes', () => {
  const palette = [0x000000, 0xff0000, 0x00ff00, 0x0000ff];
  const buf = new Uint8Array(4096);
  const gw = new GifWriter(buf, 4, 4, { palette, loop: 0 });
  gw.addFrame(0, 0, 4, 4, new Array(16).fill(1), { delay: 10, disposal: 1 });
  gw.addFrame(1, 1, 2, 2, [0, 2, 2, 2], { delay: 10, disposal: 2, transparent: 0 });
  gw.addFrame(0, 0, 1, 1, [3], { delay: 10, disposal: 3 });
  gw.addFrame(3, 3, 1, 1, [2], { delay: 10, disposal: 0 });
  const v = decodeGif(buf.subarray(0, gw.end()), 'mem.gif');
  const R = [255, 0, 0], G = [0, 255, 0], B = [0, 0, 255], K = [0, 0, 0];
  assert.equal(v.frameCount, 4);
  assert.equal(v.fps, 10);
  assert.deepEqual(px(v, 0, 2, 2), R);
  assert.deepEqual([px(v, 1, 1, 1), px(v, 1, 2, 1), px(v, 1, 1, 2), px(v, 1, 2, 2), px(v, 1, 0, 0)], [R, G, G, G, R], 'transparent pixel shows the frame below');
  assert.deepEqual([px(v, 2, 0, 0), px(v, 2, 1, 1), px(v, 2, 2, 2), px(v, 2, 3, 3)], [B, K, K, R], 'disposal 2 cleared the rectangle');
  assert.deepEqual([px(v, 3, 0, 0), px(v, 3, 3, 3), px(v, 3, 1, 1)], [R, G, K], 'disposal 3 restored the previous canvas');
});

test('PNG and JPEG decode to RGB', () => {
  const s = shapesSample('val', 2, { frames: 1 });
  assert.deepEqual(decodeImageBytes(encodePng(s.frames, 32, 32), 'a.png').frames, s.frames);
  const rgba = new PNG({ width: 2, height: 1 });
  rgba.data = Buffer.from([10, 20, 30, 0, 40, 50, 60, 255]);
  const withAlpha = decodeImageBytes(new Uint8Array(PNG.sync.write(rgba)), 'alpha.png');
  assert.deepEqual(Array.from(withAlpha.frames), [10, 20, 30, 40, 50, 60], 'alpha is dropped');
  const rgbaBytes = new Uint8Array(32 * 32 * 4);
  for (let i = 0; i < 32 * 32; i++) rgbaBytes.set([...s.frames.subarray(i * 3, i * 3 + 3), 255], i * 4);
  const jpeg = decodeImageBytes(new Uint8Array(encodeJpeg({ data: rgbaBytes, width: 32, height: 32 }, 95).data), 'a.jpg');
  assert.deepEqual([jpeg.frameCount, jpeg.height, jpeg.width], [1, 32, 32]);
  let err = 0;
  for (let i = 0; i < s.frames.length; i++) err += Math.abs(s.frames[i] - jpeg.frames[i]);
  assert.ok(err / s.frames.length < 8, `JPEG error ${err / s.frames.length}`);
});

test('corrupt, truncated and unknown files give errors naming the file and the problem', async () => {
  const gif = encodeGif(shapesSample('train', 1));
  const png = encodePng(new Uint8Array(16 * 16 * 3), 16, 16);
  const rgba = new Uint8Array(16 * 16 * 4).fill(200);
  const jpg = new Uint8Array(encodeJpeg({ data: rgba, width: 16, height: 16 }, 90).data);
  const { dir, cleanup } = tempDir();
  try {
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['cut.gif', gif.subarray(0, gif.length - 40), /cut\.gif: (unreadable GIF|GIF is truncated)/],
      ['notrailer.gif', gif.subarray(0, gif.length - 1), /notrailer\.gif: GIF is truncated/],
      ['cut.png', png.subarray(0, png.length - 20), /cut\.png: unreadable PNG/],
      ['cut.jpg', jpg.subarray(0, jpg.length >> 1), /cut\.jpg: unreadable JPEG/],
      ['noise.png', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), /noise\.png: not a PNG, JPEG or GIF file/],
      ['empty.gif', new Uint8Array(0), /empty\.gif: not a PNG, JPEG or GIF file \(empty file\)/],
    ];
    for (const [name, bytes, pattern] of cases) {
      writeFileSync(path.join(dir, name), bytes);
      await assert.rejects(readMedia(path.join(dir, name)), pattern);
    }
    await assert.rejects(readMedia(path.join(dir, 'missing.png')), /missing\.png: file not found/);
  } finally {
    cleanup();
  }
});

test('uniform frame sampling follows floor(i * total / num)', () => {
  assert.deepEqual(uniformFrameIndices(10, 4), [0, 2, 5, 7]);
  assert.deepEqual(uniformFrameIndices(9, 9), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(uniformFrameIndices(3, 5), [0, 0, 1, 1, 2]);
  const v = gradientVideo(6, 2, 2);
  const picked = sampleFramesUniformly(v, 3);
  assert.deepEqual(picked.frames, new Uint8Array([...v.frames.subarray(0, 12), ...v.frames.subarray(24, 36), ...v.frames.subarray(48, 60)]));
  assert.throws(() => uniformFrameIndices(0, 2), /total must be a positive integer/);
});

test('resizing: PIL-style bilinear weights, antialiased downscaling, bicubic stays in range', () => {
  const ramp = makeVideo(new Uint8Array([0, 0, 0, 255, 255, 255]), 1, 1, 2);
  assert.deepEqual(Array.from(resizeVideo(ramp, 1, 4, 'bilinear').frames.filter((_, i) => i % 3 === 0)), [0, 64, 191, 255]);
  const checker = new Uint8Array(8 * 8 * 3);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) checker.fill((x + y) % 2 ? 255 : 0, (y * 8 + x) * 3, (y * 8 + x) * 3 + 3);
  const small = resizeVideo(makeVideo(checker, 1, 8, 8), 2, 2, 'bilinear');
  for (const v of small.frames) assert.ok(Math.abs(v - 127.5) <= 1, `downscaled checkerboard should be flat grey, got ${v}`);
  const flat = makeVideo(new Uint8Array(5 * 7 * 3).fill(77), 1, 5, 7);
  for (const filter of ['bilinear', 'bicubic'] as const) assert.ok(resizeVideo(flat, 13, 3, filter).frames.every((v) => v === 77));
  const up = resizeVideo(makeVideo(checker, 1, 8, 8), 20, 20, 'bicubic');
  assert.deepEqual([up.height, up.width, up.frames.length], [20, 20, 1200]);
  assert.equal(resizeVideo(flat, 5, 7), flat);
});

test('CLIP normalisation and [-1, 1] scaling are channels-first', () => {
  const v = makeVideo(new Uint8Array([255, 0, 128, 0, 255, 64]), 1, 1, 2);
  const clip = clipNormalize(v);
  assert.equal(clip.length, 6);
  // Layout [F, 3, H, W]: channel 0 of both pixels first.
  assert.ok(Math.abs(clip[0] - (1 - CLIP_MEAN[0]) / CLIP_STD[0]) < 1e-5);
  assert.ok(Math.abs(clip[1] - (0 - CLIP_MEAN[0]) / CLIP_STD[0]) < 1e-5);
  assert.ok(Math.abs(clip[5] - (64 / 255 - CLIP_MEAN[2]) / CLIP_STD[2]) < 1e-5);
  const s = shapesSample('train', 4);
  const unit = toSignedUnit(s);
  assert.ok(unit.every((x) => x >= -1 && x <= 1));
  assert.ok(Math.abs(unit[0] - (s.frames[0] / 127.5 - 1)) < 1e-6);
  assert.deepEqual(fromSignedUnit(unit, 9, 32, 32).frames, s.frames);
  assert.deepEqual(Array.from(fromSignedUnit(new Float32Array([-3, 3, 0]), 1, 1, 1).frames), [0, 255, 128]);
});

test('frame grids put frames side by side and videos in rows', () => {
  const a = makeVideo(new Uint8Array(2 * 2 * 2 * 3).fill(10), 2, 2, 2);
  const b = makeVideo(new Uint8Array(2 * 2 * 3).fill(20), 1, 2, 2);
  const g = frameGrid([a, b], { gap: 1, background: [255, 0, 0] });
  assert.deepEqual([g.height, g.width], [5, 5]);
  assert.deepEqual(px(g, 0, 0, 0), [10, 10, 10]);
  assert.deepEqual(px(g, 0, 4, 1), [10, 10, 10]);
  assert.deepEqual(px(g, 0, 2, 0), [255, 0, 0]);
  assert.deepEqual(px(g, 0, 1, 3), [20, 20, 20]);
  assert.deepEqual(px(g, 0, 4, 4), [255, 0, 0], 'missing cells are background');
  assert.throws(() => frameGrid([a, makeVideo(new Uint8Array(3 * 3 * 3), 1, 3, 3)]), /video 1 is 3x3, expected 2x2/);
});

test('writers create readable files atomically', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const s = shapesSample('test', 3);
    writeGif(path.join(dir, 'sub', 'v.gif'), s);
    writePng(path.join(dir, 'f.png'), s, 4);
    writeFrameGrid(path.join(dir, 'grid.png'), [s, shapesSample('test', 4)]);
    assert.deepEqual((await readMedia(path.join(dir, 'sub', 'v.gif'))).frames, s.frames);
    assert.deepEqual((await readMedia(path.join(dir, 'f.png'))).frames, s.frames.subarray(4 * 3072, 5 * 3072));
    const grid = await readMedia(path.join(dir, 'grid.png'));
    assert.deepEqual([grid.height, grid.width], [65, 9 * 32 + 8]);
    assert.deepEqual(readdirSync(dir).sort(), ['f.png', 'grid.png', 'sub']);
    assert.deepEqual(readdirSync(path.join(dir, 'sub')), ['v.gif']);
  } finally {
    cleanup();
  }
});

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;

test('MP4 through ffmpeg: write, read back, sample frames, report corrupt files', { skip: hasFfmpeg ? false : 'ffmpeg is not installed' }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const v = gradientVideo(10, 48, 64);
    const file = path.join(dir, 'v.mp4');
    await writeMp4(file, v, { fps: 8 });
    assert.deepEqual(readdirSync(dir), ['v.mp4']);
    const back = await readMedia(file);
    assert.deepEqual([back.frameCount, back.height, back.width], [10, 48, 64]);
    assert.equal(back.fps, 8);
    let err = 0;
    for (let i = 0; i < v.frames.length; i++) err += Math.abs(v.frames[i] - back.frames[i]);
    assert.ok(err / v.frames.length < 10, `H.264 error ${err / v.frames.length}`);
    const sampled = await readMedia(file, { numFrames: 4 });
    assert.equal(sampled.frameCount, 4);
    assert.deepEqual(sampled.frames.subarray(3 * 48 * 64 * 3), back.frames.subarray(7 * 48 * 64 * 3, 8 * 48 * 64 * 3));
    writeFileSync(path.join(dir, 'bad.mp4'), new Uint8Array(300).fill(7));
    await assert.rejects(readMedia(path.join(dir, 'bad.mp4')), /bad\.mp4: (unreadable video|no video stream)/);
  } finally {
    cleanup();
  }
});

test('without ffmpeg, reading a video names the Debian package to install', async () => {
  const saved = [process.env.HAPLOOMNI_FFMPEG, process.env.HAPLOOMNI_FFPROBE];
  process.env.HAPLOOMNI_FFMPEG = '/nonexistent/ffmpeg';
  process.env.HAPLOOMNI_FFPROBE = '/nonexistent/ffprobe';
  const { dir, cleanup } = tempDir();
  try {
    await assert.rejects(readMedia('clip.webm'), /reading clip\.webm needs .*not installed.*Debian package "ffmpeg"/);
    await assert.rejects(writeMp4(path.join(dir, 'x.mp4'), gradientVideo(1, 2, 2)), /Debian package "ffmpeg"/);
    assert.deepEqual(readdirSync(dir), [], 'no partial output');
  } finally {
    cleanup();
    [process.env.HAPLOOMNI_FFMPEG, process.env.HAPLOOMNI_FFPROBE] = saved;
    if (saved[0] === undefined) delete process.env.HAPLOOMNI_FFMPEG;
    if (saved[1] === undefined) delete process.env.HAPLOOMNI_FFPROBE;
  }
});
