/**
 * The shipped VAE (assets/vae) loads and reconstructs Shapes test videos well, so a regression in the
 * engine, the model code or the weights is caught.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { shapesSample } from '../../src/data/shapes/index.js';
import { loadVae } from '../../src/vae/io.js';
import { psnrBytes } from '../../src/vae/frames.js';

/** Test-split samples checked (fixed: same bytes on every run). */
const VIDEOS = Array.from({ length: 16 }, (_, i) => i);
/**
 * The shipped VAE measures 30.7 dB mean PSNR over the first 64 test videos (min 24.6;
 * assets/vae/summary.json) and 30.04 dB over these 16. The mean floor sits half a decibel below that,
 * the per-video floor far below the worst video: a broken engine, model or file falls under both.
 */
const MIN_MEAN_PSNR_DB = 29.5;
const MIN_PSNR_DB = 21;

it('shipped weights reconstruct fixed Shapes test videos at about 30 dB', () => {
  const vae = loadVae();
  const c = vae.config;
  assert.equal(c.sample_size, 32);
  assert.ok(c.scaling_factor !== 1 && c.scaling_factor > 0, `scaling factor ${c.scaling_factor} should be measured`);
  const videos = VIDEOS.map((i) => shapesSample('test', i));
  const z = vae.encodeVideos(videos);
  assert.deepEqual(z.shape, [videos.length, 3, c.latent_channels, 32 / c.spatial_compression, 32 / c.spatial_compression]);
  const decoded = vae.decode(z);
  const psnrs = decoded.map((d, k) => {
    const psnr = psnrBytes(d.frames, videos[k].frames);
    assert.ok(psnr >= MIN_PSNR_DB, `test video ${VIDEOS[k]}: PSNR ${psnr.toFixed(2)} dB < ${MIN_PSNR_DB} dB`);
    return psnr;
  });
  const mean = psnrs.reduce((a, b) => a + b, 0) / psnrs.length;
  assert.ok(mean >= MIN_MEAN_PSNR_DB, `mean PSNR ${mean.toFixed(2)} dB over test videos 0-15 < ${MIN_MEAN_PSNR_DB} dB`);
  // Latents scaled by the measured factor are roughly unit-variance.
  let s2 = 0;
  for (const v of z.data) s2 += v * v;
  const rms = Math.sqrt(s2 / z.size);
  assert.ok(rms > 0.5 && rms < 2, `scaled latents have RMS ${rms.toFixed(3)}, expected about 1`);
});

it('the shipped VAE encodes a still image to one latent frame', () => {
  const vae = loadVae();
  const image = shapesSample('test', 0, { frames: 1 });
  const [back] = vae.decode(vae.encodeVideos([image]));
  assert.equal(back.frameCount, 1);
  const psnr = psnrBytes(back.frames, image.frames);
  assert.ok(psnr >= MIN_PSNR_DB, `image PSNR ${psnr.toFixed(2)} dB < ${MIN_PSNR_DB} dB`);
});
