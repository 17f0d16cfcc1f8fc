/**
 * Checkpoints in the Hugging Face layout: a folder with `config.json` (reference keys, §9) and
 * `model.safetensors` (reference key names). Loading validates the config, then reads the weights tensor
 * by tensor straight into the parameters, reporting every missing, unexpected and mis-shaped key.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { SafetensorsFile, writeSafetensors } from '../io/safetensors.js';
import { Linear } from '../nn/layers.js';
import { loadStateDict, type LoadReport, type TensorSource } from '../nn/module.js';
import { ConfigError, configToJson, parseConfig, type HaploOmniConfig } from './config.js';
import { HaploOmni } from './haploomni.js';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
/** Sharded checkpoints (transformers): {"weight_map": {key: shard file}} beside the shards. */
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

/** Reads and validates a config.json; errors name the file. */
export function loadConfig(file: string): HaploOmniConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${file}: ${code === 'ENOENT' ? 'file not found' : (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    return parseConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${file}: ${e.message}`);
    throw e;
  }
}

/** Keys a checkpoint may lack: Linear biases (transformers initialises a missing bias to zero, as ours are). */
function linearBiasNames(model: HaploOmni): Set<string> {
  const names = new Set<string>();
  for (const [prefix, m] of model.namedModules()) if (m instanceof Linear && m.bias) names.add(`${prefix}bias`);
  return names;
}

/** Unused by the reference model (CogVideoX's text projection), present in real checkpoints. */
const IGNORED = /^patch_embed_cogvideo\.text_proj\./;

/**
 * Loads safetensors file(s) into the model's parameters (several files = the shards of one checkpoint).
 * Throws one error listing every missing / unexpected / mis-shaped key (nothing is copied then);
 * missing Linear biases stay zero and text_proj is ignored. Tensors are read one at a time, straight
 * into the parameters.
 */
export function loadWeights(model: HaploOmni, files: string | readonly string[]): LoadReport {
  const list = typeof files === 'string' ? [files] : files;
  const opened: SafetensorsFile[] = [];
  try {
    const source: TensorSource = new Map();
    for (const file of list) {
      const st = new SafetensorsFile(file);
      opened.push(st);
      for (const name of st.names()) {
        if (source.has(name)) throw new Error(`${file}: tensor '${name}' is also in another shard`);
        source.set(name, { shape: st.info(name).shape, readInto: (dst: Float32Array) => { st.readF32(name, dst); } });
      }
    }
    const optional = linearBiasNames(model);
    try {
      return loadStateDict(model, source, { optional: (n) => optional.has(n), ignore: (n) => IGNORED.test(n) });
    } catch (e) {
      throw new Error(`${list.join(', ')}: ${(e as Error).message}`);
    }
  } finally {
    for (const st of opened) st.close();
  }
}

/** The weight files of a checkpoint folder: model.safetensors, or the shards its index names. */
export function weightFiles(dir: string): string[] {
  const index = path.join(dir, WEIGHTS_INDEX_FILE);
  if (existsSync(path.join(dir, WEIGHTS_FILE)) || !existsSync(index)) return [path.join(dir, WEIGHTS_FILE)];
  let map: unknown;
  try {
    map = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: unknown }).weight_map;
  } catch (e) {
    throw new Error(`${index} is not valid JSON: ${(e as Error).message}`);
  }
  if (!map || typeof map !== 'object' || Object.values(map).some((f) => typeof f !== 'string')) {
    throw new Error(`${index}: expected {"weight_map": {tensor name: shard file}}`);
  }
  return [...new Set(Object.values(map as Record<string, string>))].sort().map((f) => path.join(dir, f));
}

/** Builds a model from `dir/config.json` and loads its weights (model.safetensors or sharded). */
export function loadModel(dir: string): HaploOmni {
  const model = new HaploOmni(loadConfig(path.join(dir, CONFIG_FILE)));
  loadWeights(model, weightFiles(dir));
  return model;
}

/** Writes `dir/model.safetensors` (float32, reference keys) and `dir/config.json`, each atomically. */
export function saveModel(dir: string, model: HaploOmni): void {
  const entries = [...model.stateDict()].map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
  writeSafetensors(path.join(dir, WEIGHTS_FILE), entries);
  writeFileAtomic(path.join(dir, CONFIG_FILE), JSON.stringify(configToJson(model.config), null, 2) + '\n');
}
