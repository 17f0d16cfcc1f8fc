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
const VIDEOS = [0, 1];
/**
 * Regression floor per video. The shipped VAE measures 29.7 dB mean over 64 test videos (min 23.9;
 * assets/vae/summary.json), just short of the 30 dB target; a floor of 21 dB per video catches a
 * broken engine, model or file (which fall far below) without flaking.
 */
const MIN_PSNR_DB = 21;

it('shipped weights reconstruct fixed Shapes test videos above 21 dB', () => {
  const vae = loadVae();
  const c = vae.config;
  assert.equal(c.sample_size, 32);
  assert.ok(c.scaling_factor !== 1 && c.scaling_factor > 0, `scaling factor ${c.scaling_factor} should be measured`);
  const videos = VIDEOS.map((i) => shapesSample('test', i));
  const z = vae.encodeVideos(videos);
  assert.deepEqual(z.shape, [videos.length, 3, c.latent_channels, 32 / c.spatial_compression, 32 / c.spatial_compression]);
  const decoded = vae.decode(z);
  decoded.forEach((d, k) => {
    const psnr = psnrBytes(d.frames, videos[k].frames);
    assert.ok(psnr >= MIN_PSNR_DB, `test video ${VIDEOS[k]}: PSNR ${psnr.toFixed(2)} dB < ${MIN_PSNR_DB} dB`);
  });
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
