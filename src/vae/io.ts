/** Saving and loading a VAE folder: config.json + model.safetensors (F32, keys = parameter names). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../io/atomic.js';
import { withSafetensors, writeSafetensors } from '../io/safetensors.js';
import { loadStateDict } from '../nn/module.js';
import { parseVaeConfig, vaeConfigJson, type VaeConfig } from './config.js';
import { VideoVae } from './vae.js';

/** Named float32 tensors (as read from or written to safetensors). */
export type NamedTensors = Map<string, { shape: readonly number[]; data: Float32Array }>;

/** Every tensor of a safetensors file as float32, plus its metadata. */
export function readTensors(file: string): { tensors: NamedTensors; metadata: Record<string, string> } {
  return withSafetensors(file, (f) => {
    const tensors: NamedTensors = new Map();
    for (const name of f.names()) tensors.set(name, { shape: f.info(name).shape, data: f.readF32(name) });
    return { tensors, metadata: f.metadata };
  });
}

/** Writes named tensors atomically (float32, with `format: pt` metadata plus any given). */
export function writeTensors(file: string, tensors: NamedTensors, metadata: Record<string, string> = {}): void {
  writeSafetensors(file, [...tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })), { format: 'pt', ...metadata });
}

export const VAE_CONFIG_FILE = 'config.json';
export const VAE_WEIGHTS_FILE = 'model.safetensors';

/** The shipped weights: <package root>/assets/vae (this file lives in dist/src/vae/). */
export const DEFAULT_VAE_DIR = fileURLToPath(new URL('../../../assets/vae/', import.meta.url));

/** The model's parameters as named tensors (shared buffers, not copies). */
export function vaeTensors(vae: VideoVae): NamedTensors {
  const out: NamedTensors = new Map();
  for (const [name, t] of vae.namedParameters()) out.set(name, { shape: t.shape, data: t.data });
  return out;
}

/** Writes config.json and model.safetensors into dir (each atomically). */
export function saveVae(vae: VideoVae, dir: string, config: VaeConfig = vae.config): void {
  writeTensors(path.join(dir, VAE_WEIGHTS_FILE), vaeTensors(vae));
  writeFileAtomic(path.join(dir, VAE_CONFIG_FILE), vaeConfigJson(config));
}

/** Copies named tensors into the model, strictly, rejecting non-finite values; `source` names the file. */
export function loadVaeWeights(vae: VideoVae, tensors: NamedTensors, source: string): void {
  try {
    loadStateDict(vae, tensors);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  for (const [name, t] of vae.namedParameters()) {
    if (!t.data.every(Number.isFinite)) throw new Error(`${source}: tensor '${name}' contains NaN or infinite values (corrupt weights)`);
  }
}

/** Loads a VAE folder (default: the shipped weights). */
export function loadVae(dir: string = DEFAULT_VAE_DIR): VideoVae {
  const configFile = path.join(dir, VAE_CONFIG_FILE), weightsFile = path.join(dir, VAE_WEIGHTS_FILE);
  if (!existsSync(configFile)) throw new Error(`cannot load the VAE from ${dir}: ${VAE_CONFIG_FILE} is missing`);
  const config = parseVaeConfig(readFileSync(configFile, 'utf8'), configFile);
  const vae = new VideoVae(config);
  loadVaeWeights(vae, readTensors(weightsFile).tensors, weightsFile);
  return vae;
}
