/**
 * Training checkpoint: one safetensors file (written atomically) holding the model weights (reference
 * key names), both AdamW moment buffers (`optimizer.m.<param>`, `optimizer.v.<param>`) and, in its
 * metadata, where the run stands: step, data positions, elapsed time, options and model config.
 * Every random draw of a step is a function of (seed, step, data position), so these are the whole
 * RNG state and a resumed run repeats the uninterrupted one exactly.
 */
import { existsSync } from 'node:fs';
import { configToJson, parseConfig, type HaploOmniConfig } from '../model/config.js';
import { HaploOmni } from '../model/haploomni.js';
import { withSafetensors, writeSafetensors, type F32Entry } from '../io/safetensors.js';
import { loadStateDict, type TensorSource } from '../nn/module.js';
import type { AdamW, Tensor } from '../tensor/index.js';
import type { TrainOptions } from './options.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const STATE_KEY = 'haploomni_train';

export interface TrainState {
  /** optimizer steps completed */
  step: number;
  /** next understanding and generation data index */
  undIndex: number;
  genIndex: number;
  /** training seconds so far, across resumes */
  elapsed: number;
  options: TrainOptions;
}

/** Writes the checkpoint: weights, moments of the trainable parameters (in optimizer order), state. */
export function saveTrainCheckpoint(file: string, model: HaploOmni, trainable: readonly [string, Tensor][], opt: AdamW, state: TrainState): void {
  const entries: F32Entry[] = [...model.stateDict()].map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
  const { m, v, step } = opt.state();
  trainable.forEach(([name, t], i) => {
    entries.push({ name: `optimizer.m.${name}`, shape: t.shape, data: m[i] });
    entries.push({ name: `optimizer.v.${name}`, shape: t.shape, data: v[i] });
  });
  const meta = { ...state, optimizerStep: step, config: configToJson(model.config) };
  writeSafetensors(file, entries, { format: 'pt', [STATE_KEY]: JSON.stringify(meta) });
}

export interface LoadedTrainCheckpoint {
  model: HaploOmni;
  state: TrainState;
  /** restores the optimizer's moments for `trainable` (names in optimizer order) */
  restoreOptimizer(opt: AdamW, trainable: readonly [string, Tensor][]): void;
}

export function loadTrainCheckpoint(file: string): LoadedTrainCheckpoint {
  if (!existsSync(file)) throw new Error(`no checkpoint at ${file}: start without --resume, or point --out at the run to continue`);
  return withSafetensors(file, (f) => {
    const raw = f.metadata[STATE_KEY];
    if (!raw) throw new Error(`${file}: not a haploomni training checkpoint (no '${STATE_KEY}' metadata)`);
    const meta = JSON.parse(raw) as TrainState & { optimizerStep: number; config: unknown };
    const config: HaploOmniConfig = parseConfig(meta.config);
    const model = new HaploOmni(config, { seed: meta.options.seed });
    const source: TensorSource = new Map();
    for (const name of f.names()) {
      if (name.startsWith('optimizer.')) continue;
      source.set(name, { shape: f.info(name).shape, data: f.readF32(name) });
    }
    const report = loadStateDict(model, source);
    const problems = [...report.missing.map((n) => `missing ${n}`), ...report.unexpected.map((n) => `unexpected ${n}`), ...report.misshaped];
    if (problems.length) throw new Error(`${file}: checkpoint does not match its config: ${problems.slice(0, 5).join('; ')}`);
    const moments = new Map<string, Float32Array>();
    for (const name of f.names()) if (name.startsWith('optimizer.')) moments.set(name, f.readF32(name));
    const { step, undIndex, genIndex, elapsed, options } = meta;
    return {
      model,
      state: { step, undIndex, genIndex, elapsed, options },
      restoreOptimizer(opt: AdamW, trainable: readonly [string, Tensor][]): void {
        const get = (key: string): Float32Array => {
          const t = moments.get(key);
          if (!t) throw new Error(`${file}: optimizer state '${key}' is missing (were other parameter groups trainable?)`);
          return t;
        };
        opt.loadState({ step: meta.optimizerStep, m: trainable.map(([n]) => get(`optimizer.m.${n}`)), v: trainable.map(([n]) => get(`optimizer.v.${n}`)) });
      },
    };
  });
}
