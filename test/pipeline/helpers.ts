/** Shared fixtures for the pipeline, CLI and evaluation tests: a random-init tiny model folder. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HaploOmni, presetConfig } from '../../src/model/index.js';
import { savePipeline, VAE_SUBDIR, DEFAULT_PIPELINE_SETTINGS, type PipelineSettings, type WeightDtype } from '../../src/pipeline/index.js';
import { saveVae, vaeConfig, VideoVae } from '../../src/vae/index.js';

/** Settings that keep sampling cheap in tests. */
export const TEST_SETTINGS: PipelineSettings = { ...DEFAULT_PIPELINE_SETTINGS, sampling_steps: 2, guidance_scale: 3 };

/** A fresh temporary folder and a function that removes it. */
export function tempDir(prefix = 'haploomni-pipeline-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A small random VAE matching the tiny preset's latents (8 channels, 4x spatial, 4x temporal). */
export function smallVae(seed = 0): VideoVae {
  return new VideoVae(vaeConfig({ base_channels: 8, norm_groups: 4, latent_channels: 8 }), seed);
}

/** Writes a random tiny model (with a small random VAE in vae/) to `dir` and returns the model. */
export function writeTinyModel(dir: string, options: { seed?: number; dtype?: WeightDtype; settings?: PipelineSettings } = {}): HaploOmni {
  const model = new HaploOmni(presetConfig('tiny'), { seed: options.seed ?? 1 });
  savePipeline(dir, model, options.settings ?? TEST_SETTINGS, { dtype: options.dtype ?? 'f32' });
  saveVae(smallVae(), path.join(dir, VAE_SUBDIR));
  return model;
}
