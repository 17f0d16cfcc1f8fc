/** The video VAE model: shapes, causality, KL, gradients, save/load, input errors (tiny configs, js-fast). */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { makeVideo } from '../../src/data/media/video.js';
import { AdamW, noGrad, ops, Rng, randn, tensor, type Tensor } from '../../src/tensor/index.js';
import { vaeConfig } from '../../src/vae/config.js';
import { videosToTensor } from '../../src/vae/frames.js';
import { loadVae, saveVae, writeTensors } from '../../src/vae/io.js';
import { klDivergence } from '../../src/vae/loss.js';
import { VideoVae } from '../../src/vae/vae.js';
import { allclose } from '../helpers/allclose.js';

const TINY = vaeConfig({ base_channels: 8, latent_channels: 4, scaling_factor: 0.7, shift_factor: 0.1 });
const tiny = (seed = 1) => new VideoVae(TINY, seed);
const pixels = (shape: number[], seed: number) => ops.scale(randn(shape, new Rng(seed)), 0.5);

/** Frames [a, b) of latent/pixel tensor t [B, F, ...] as a flat array. */
const framesOf = (t: Tensor, a: number, b: number) => noGrad(() => ops.slice(t, 1, a, b)).data;

const tmpDirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'vae-test-'));
  tmpDirs.push(d);
  return d;
};
after(() => { for (const d of tmpDirs) rmSync(d, { recursive: true, force: true }); });

describe('VAE shapes', () => {
  const vae = tiny();
  it('9 frames -> 3 latent frames -> 9 frames', () => {
    const z = vae.encode(pixels([2, 9, 3, 16, 16], 2));
    assert.deepEqual(z.shape, [2, 3, 4, 4, 4]);
    const videos = vae.decode(z);
    assert.equal(videos.length, 2);
    for (const v of videos) {
      assert.deepEqual([v.frameCount, v.height, v.width], [9, 16, 16]);
      assert.equal(v.frames.length, 9 * 16 * 16 * 3);
    }
  });
  it('1 frame (an image) -> 1 latent frame -> 1 frame, from uint8 videos', () => {
    const img = makeVideo(new Uint8Array(16 * 24 * 3).map((_, i) => (i * 37) % 256), 1, 16, 24);
    const z = vae.encodeVideos([img]);
    assert.deepEqual(z.shape, [1, 1, 4, 4, 6]);
    const [back] = vae.decode(z);
    assert.deepEqual([back.frameCount, back.height, back.width], [1, 16, 24]);
  });
  it('encode returns (posterior mean - shift) * scaling factor', () => {
    const x = pixels([1, 5, 3, 16, 16], 3);
    const { mean } = noGrad(() => vae.distribution(x));
    allclose(vae.encode(x).data, mean.data.map((v) => (v - 0.1) * 0.7), { rtol: 1e-6, atol: 1e-6 });
  });
  it('accepts a Float32Array with its shape', () => {
    const x = pixels([1, 5, 3, 16, 16], 4);
    assert.deepEqual([...vae.encode(x.data, x.shape).data], [...vae.encode(x).data]);
  });
});

describe('VAE causality', () => {
  const vae = tiny(5);
  const x = pixels([1, 9, 3, 16, 16], 6);
  const perturbed = (frame: number) => {
    const y = tensor(x.data, x.shape);
    const per = 3 * 16 * 16;
    for (let i = frame * per; i < (frame + 1) * per; i++) y.data[i] += 0.8;
    return y;
  };
  it('changing a later frame leaves earlier latent frames unchanged (encoder)', () => {
    const z = vae.encode(x);
    const z5 = vae.encode(perturbed(5)); // frame 5 belongs to latent frame 2 (frames 5..8)
    assert.deepEqual([...framesOf(z5, 0, 2)], [...framesOf(z, 0, 2)]);
    const changed = framesOf(z5, 2, 3).some((v, i) => Math.abs(v - framesOf(z, 2, 3)[i]) > 1e-4);
    assert.ok(changed, 'latent frame 2 should depend on frame 5');
    const z1 = vae.encode(perturbed(1)); // latent frame 1 (frames 1..4) and later change, frame 0's latent does not
    assert.deepEqual([...framesOf(z1, 0, 1)], [...framesOf(z, 0, 1)]);
    assert.ok(framesOf(z1, 1, 2).some((v, i) => Math.abs(v - framesOf(z, 1, 2)[i]) > 1e-4));
  });
  it('changing a later latent frame leaves earlier decoded frames unchanged (decoder)', () => {
    const z = vae.encode(x);
    const z2 = tensor(z.data, z.shape);
    const per = z.size / 3;
    for (let i = 2 * per; i < 3 * per; i++) z2.data[i] += 1;
    const [a] = vae.decode(z), [b] = vae.decode(z2);
    const frameBytes = 16 * 16 * 3;
    assert.deepEqual(b.frames.subarray(0, 5 * frameBytes), a.frames.subarray(0, 5 * frameBytes));
    assert.notDeepEqual(b.frames.subarray(5 * frameBytes), a.frames.subarray(5 * frameBytes));
  });
  it('an image encodes like the first frame of a video', () => {
    const first = noGrad(() => ops.slice(x, 1, 0, 1));
    allclose(vae.encode(first).data, framesOf(vae.encode(x), 0, 1), { rtol: 1e-5, atol: 1e-6 });
  });
});

describe('VAE KL term and gradients', () => {
  it('KL = mean of 0.5 (mu^2 + e^lv - 1 - lv), with the right gradients', () => {
    const mean = tensor([0.5, -1, 0, 2], [1, 1, 1, 2, 2]), logvar = tensor([0, Math.log(2), -1, 0.5], [1, 1, 1, 2, 2]);
    mean.requiresGrad = logvar.requiresGrad = true;
    const kl = klDivergence({ mean, logvar });
    const expected = [[0.5, 0], [-1, Math.log(2)], [0, -1], [2, 0.5]]
      .map(([m, lv]) => 0.5 * (m * m + Math.exp(lv) - 1 - lv)).reduce((p, q) => p + q, 0) / 4;
    assert.ok(Math.abs(kl.item() - expected) < 1e-6, `KL ${kl.item()} vs ${expected}`);
    kl.backward();
    allclose(mean.grad!.data, [0.5, -1, 0, 2].map((m) => m / 4), { atol: 1e-6 });
    allclose(logvar.grad!.data, [0, Math.log(2), -1, 0.5].map((lv) => 0.5 * (Math.exp(lv) - 1) / 4), { atol: 1e-6 });
    const zero = klDivergence({ mean: tensor([0, 0], [2]), logvar: tensor([0, 0], [2]) });
    assert.equal(zero.item(), 0, 'KL of the prior itself is 0');
  });
  it('gradient reaches every parameter through the reparameterised sample', () => {
    const vae = tiny(7);
    const x = pixels([1, 5, 3, 16, 16], 8);
    const loss = () => {
      const d = vae.distribution(x);
      return ops.add(ops.mseLoss(vae.decodePixels(vae.sample(d, new Rng(9))), x), ops.scale(klDivergence(d), 1e-3));
    };
    // Residual branches start at zero (their first layers get no gradient yet): take one step first.
    const opt = new AdamW(vae.parameters(), { lr: 1e-2 });
    loss().backward();
    opt.update();
    opt.zeroGrad();
    loss().backward();
    const dead = vae.namedParameters().filter(([, t]) => !t.grad || !t.grad.data.some((g) => g !== 0)).map(([n]) => n);
    assert.deepEqual(dead, [], `parameters without gradient: ${dead.join(', ')}`);
  });
});

describe('VAE save/load and bad inputs', () => {
  const vae = tiny(11);
  const x = pixels([1, 5, 3, 16, 16], 12);
  it('round trip through config.json + model.safetensors gives identical outputs', () => {
    const dir = tmp();
    saveVae(vae, dir);
    const back = loadVae(dir);
    assert.deepEqual(back.config, vae.config);
    const z = vae.encode(x);
    assert.deepEqual([...back.encode(x).data], [...z.data]);
    assert.deepEqual(back.decode(z)[0].frames, vae.decode(z)[0].frames);
  });
  it('rejects frame counts that are not 4k+1 and wrong channel counts', () => {
    assert.throws(() => vae.encode(pixels([1, 8, 3, 16, 16], 1)), /8 frames cannot be encoded; the frame count must be 4k\+1/);
    assert.throws(() => vae.encode(pixels([1, 5, 4, 16, 16], 1)), /3 \(RGB\) channels on axis 2, got 4/);
    assert.throws(() => vae.encode(pixels([1, 5, 3, 18, 16], 1)), /multiples of the spatial compression 4, got 18x16/);
    assert.throws(() => vae.decode(randn([1, 3, 5, 4, 4], new Rng(1))), /latents must be \[batch, latent frames, 4, height, width\], got \[1, 3, 5, 4, 4\]/);
    assert.throws(() => vae.encodeVideos([makeVideo(new Uint8Array(2 * 16 * 16 * 3), 2, 16, 16)]), /2 frames cannot be encoded/);
    assert.throws(() => videosToTensor([makeVideo(new Uint8Array(16 * 16 * 3), 1, 16, 16), makeVideo(new Uint8Array(5 * 16 * 16 * 3), 5, 16, 16)]), /video 1 is 5x16x16, video 0 is 1x16x16/);
  });
  it('reports corrupt, truncated, mismatched or missing weights clearly', () => {
    const dir = tmp();
    saveVae(vae, dir);
    const file = path.join(dir, 'model.safetensors');
    const good = readFileSync(file);
    writeFileSync(file, good.subarray(0, good.length - 100));
    assert.throws(() => loadVae(dir), /model\.safetensors: tensor '.*': data_offsets .* run past the end of the data section/);
    writeFileSync(file, Buffer.from('garbage!garbage!'));
    assert.throws(() => loadVae(dir), /model\.safetensors: header length \d+ runs past the end of the file/);
    const tensors = new Map(vae.namedParameters().map(([n, t]) => [n, { shape: t.shape, data: t.data.slice() }]));
    tensors.get('decoder.conv_out.bias')!.data[0] = NaN;
    writeTensors(file, tensors);
    assert.throws(() => loadVae(dir), /tensor 'decoder.conv_out.bias' contains NaN or infinite values/);
    tensors.delete('encoder.conv_in.weight');
    writeTensors(file, tensors);
    assert.throws(() => loadVae(dir), /model\.safetensors: checkpoint does not match the model \(1 problem\):\n {2}missing: encoder\.conv_in\.weight/);
    rmSync(file);
    assert.throws(() => loadVae(dir), /cannot open .*model\.safetensors: file not found/);
    writeFileSync(path.join(dir, 'config.json'), '{"latent_channels": 0}');
    assert.throws(() => loadVae(dir), /config\.json: latent_channels must be a positive integer, got 0/);
    assert.throws(() => loadVae(path.join(dir, 'nowhere')), /config\.json is missing/);
  });
});
