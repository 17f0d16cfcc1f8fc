/**
 * Training checkpoint of the VAE: one safetensors file holding the weights, both AdamW moment
 * buffers (`optimizer.m.<param>`, `optimizer.v.<param>`) and, in its metadata, the step, RNG state,
 * data position, options and config, so a killed run resumes to the same numbers. Written atomically.
 */
import { AdamW, type RngState } from '../tensor/index.js';
import { parseVaeConfig, vaeConfigJson, type VaeConfig } from './config.js';
import { loadVaeWeights, readTensors, vaeTensors, writeTensors, type NamedTensors } from './io.js';
import { VideoVae } from './vae.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const STATE_KEY = 'haploomni_vae_train';

/** Everything besides tensors that defines where a run stands. */
export interface TrainProgress<Options> {
  /** optimizer steps completed */
  step: number;
  /** index of the next training sample to draw */
  dataIndex: number;
  /** sampling RNG (reparameterisation noise) */
  rng: RngState;
  /** training seconds so far, across resumes */
  elapsed: number;
  options: Options;
}

export function saveCheckpoint<O>(file: string, vae: VideoVae, opt: AdamW, progress: TrainProgress<O>): void {
  const tensors = vaeTensors(vae);
  const { m, v, step } = opt.state();
  const named = vae.namedParameters();
  named.forEach(([name, t], i) => tensors.set(`optimizer.m.${name}`, { shape: t.shape, data: m[i] }));
  named.forEach(([name, t], i) => tensors.set(`optimizer.v.${name}`, { shape: t.shape, data: v[i] }));
  const state = { ...progress, optimizerStep: step, config: JSON.parse(vaeConfigJson(vae.config)) as unknown };
  writeTensors(file, tensors, { [STATE_KEY]: JSON.stringify(state) });
}

export interface LoadedCheckpoint<O> {
  vae: VideoVae;
  progress: TrainProgress<O>;
  /** moment buffers and step, for AdamW.loadState once the optimiser exists */
  optimizer: { step: number; m: Float32Array[]; v: Float32Array[] };
}

export function loadCheckpoint<O>(file: string): LoadedCheckpoint<O> {
  const { tensors, metadata } = readTensors(file);
  const raw = metadata[STATE_KEY];
  if (!raw) throw new Error(`${file}: not a VAE training checkpoint (no '${STATE_KEY}' metadata)`);
  const state = JSON.parse(raw) as TrainProgress<O> & { optimizerStep: number; config: unknown };
  const config: VaeConfig = parseVaeConfig(JSON.stringify(state.config), `${file} (config)`);
  const vae = new VideoVae(config);
  const model: NamedTensors = new Map(), m: Float32Array[] = [], v: Float32Array[] = [];
  for (const [name, t] of tensors) if (!name.startsWith('optimizer.')) model.set(name, t);
  loadVaeWeights(vae, model, file);
  for (const [name] of vae.namedParameters()) {
    const mi = tensors.get(`optimizer.m.${name}`), vi = tensors.get(`optimizer.v.${name}`);
    if (!mi || !vi) throw new Error(`${file}: optimizer state for '${name}' is missing`);
    m.push(mi.data);
    v.push(vi.data);
  }
  const { step, dataIndex, rng, elapsed, options } = state;
  return { vae, progress: { step, dataIndex, rng, elapsed, options }, optimizer: { step: state.optimizerStep, m, v } };
}
