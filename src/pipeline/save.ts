/**
 * Writing a model folder (load.ts reads it): the checkpoint as saveModel lays it out (config.json +
 * model.safetensors, reference keys) with the weights stored as F32 or F16, pipeline.json, and
 * optionally a copy of a VAE folder and a tokenizer folder. Every file is written atomically.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { writeSafetensors } from '../io/safetensors.js';
import { CONFIG_FILE, configToJson, WEIGHTS_FILE, type HaploOmni } from '../model/index.js';
import { loadVae, saveVae } from '../vae/index.js';
import { TOKENIZER_SUBDIR, VAE_SUBDIR } from './load.js';
import { PIPELINE_FILE, type PipelineSettings } from './settings.js';

export type WeightDtype = 'f32' | 'f16';

export interface SavePipelineOptions {
  /** storage type of the transformer weights (default f32) */
  dtype?: WeightDtype;
  /** a VAE folder to copy into dir/vae (checked by loading it) */
  vaeDir?: string;
  /** a tokenizer folder to copy into dir/tokenizer */
  tokenizerDir?: string;
}

/** Files a tokenizer folder may hold (tokenizer.json is required). */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'];

/** Writes `dir` so that loadPipeline(dir) gives back this model and settings. */
export function savePipeline(dir: string, model: HaploOmni, settings: PipelineSettings, options: SavePipelineOptions = {}): void {
  const dtype = options.dtype ?? 'f32';
  const entries = [...model.stateDict()].map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
  writeSafetensors(path.join(dir, WEIGHTS_FILE), entries, { format: 'pt' }, { dtype: dtype === 'f16' ? 'F16' : 'F32' });
  writeFileAtomic(path.join(dir, CONFIG_FILE), JSON.stringify(configToJson(model.config), null, 2) + '\n');
  writeFileAtomic(path.join(dir, PIPELINE_FILE), JSON.stringify(settings, null, 2) + '\n');
  if (options.vaeDir !== undefined && path.resolve(options.vaeDir) !== path.resolve(dir, VAE_SUBDIR)) {
    saveVae(loadVae(options.vaeDir), path.join(dir, VAE_SUBDIR));
  }
  if (options.tokenizerDir !== undefined && path.resolve(options.tokenizerDir) !== path.resolve(dir, TOKENIZER_SUBDIR)) {
    for (const name of TOKENIZER_FILES) {
      const from = path.join(options.tokenizerDir, name);
      if (existsSync(from)) writeFileAtomic(path.join(dir, TOKENIZER_SUBDIR, name), readFileSync(from));
      else if (name === 'tokenizer.json') throw new Error(`cannot copy the tokenizer: ${from} is missing`);
    }
  }
}
