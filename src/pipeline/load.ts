/**
 * A model folder and what it loads into: the transformer, its tokenizer, its video VAE and its
 * pipeline settings. The folder holds
 *   config.json + model.safetensors   the HaploOmni checkpoint (reference keys; F32 or F16 weights)
 *   pipeline.json                     optional settings (settings.ts), else the defaults
 *   vae/                              optional VAE folder, else the shipped assets/vae
 *   tokenizer/                        optional tokenizer folder, else the shipped assets/tokenizer
 * Every problem is reported naming the missing or incompatible file. The VAE is loaded on first use,
 * so questions can be answered with a folder whose VAE is absent.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TOKENIZER_DIR, loadTokenizer, type HaploTokenizer } from '../data/index.js';
import { CONFIG_FILE, HaploOmni, LATENT_PATCH, loadConfig, loadWeights, weightFiles, type HaploOmniConfig } from '../model/index.js';
import { DEFAULT_VAE_DIR, loadVae, type VideoVae } from '../vae/index.js';
import { VAE_CONFIG_FILE } from '../vae/io.js';
import { DEFAULT_PIPELINE_SETTINGS, parsePipelineSettings, PIPELINE_FILE, type PipelineSettings } from './settings.js';

/** The embedded default model folder: <package root>/assets/model (this file lives in dist/src/pipeline/). */
export const DEFAULT_MODEL_DIR = path.resolve(fileURLToPath(new URL('../../../assets/model/', import.meta.url)));
/** Optional subfolders of a model folder. */
export const VAE_SUBDIR = 'vae';
export const TOKENIZER_SUBDIR = 'tokenizer';

export interface Pipeline {
  /** the model folder */
  readonly dir: string;
  readonly model: HaploOmni;
  readonly tokenizer: HaploTokenizer;
  readonly settings: PipelineSettings;
  /** where the tokenizer and the VAE come from (a subfolder of dir or the shipped assets) */
  readonly tokenizerDir: string;
  readonly vaeDir: string;
  /** the video VAE, loaded (and checked against the model) on first access */
  readonly vae: VideoVae;
}

/** `dir/name` when it exists, else the shipped default. */
export function subfolderOrDefault(dir: string, name: string, fallback: string): string {
  const own = path.join(dir, name);
  return existsSync(own) ? own : fallback;
}

/** Throws, saying how to get a model, unless `dir` is a folder holding config.json. */
export function checkModelFolder(dir: string): void {
  const hint = path.resolve(dir) === path.resolve(DEFAULT_MODEL_DIR)
    ? ': the default model is not there; train one with `haploomni train` or pass --model DIR'
    : ': pass --model a folder made by `haploomni train` or `haploomni export`';
  if (!existsSync(dir)) throw new Error(`model folder ${dir} does not exist${hint}`);
  if (!statSync(dir).isDirectory()) throw new Error(`${dir} is a file, not a model folder (config.json + model.safetensors)`);
  if (!existsSync(path.join(dir, CONFIG_FILE))) throw new Error(`${dir} is not a model folder: ${CONFIG_FILE} is missing${hint}`);
}

/** The weight files of a model folder (model.safetensors or its shards); throws naming a missing one. */
export function modelWeightFiles(dir: string): string[] {
  const files = weightFiles(dir);
  for (const f of files) if (!existsSync(f)) throw new Error(`${dir} is not a complete model folder: ${path.basename(f)} is missing`);
  return files;
}

/** The settings of a folder: its pipeline.json, or the defaults. */
export function loadSettings(dir: string): PipelineSettings {
  const file = path.join(dir, PIPELINE_FILE);
  if (!existsSync(file)) return { ...DEFAULT_PIPELINE_SETTINGS };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  return parsePipelineSettings(json, file);
}

/** Throws naming both files when the tokenizer's special ids differ from the model config's. */
function checkTokenizer(config: HaploOmniConfig, tokenizer: HaploTokenizer, configFile: string, tokenizerDir: string): void {
  const pairs: [string, number, string, number][] = [
    ['image_token_index', config.image_token_index, '<image>', tokenizer.imageId],
    ['video_token_index', config.video_token_index, '<video>', tokenizer.videoId],
  ];
  for (const [key, ours, token, theirs] of pairs) {
    if (ours !== theirs) throw new Error(`${configFile}: ${key} ${ours} does not match the id ${theirs} of ${token} in the tokenizer ${tokenizerDir}; the checkpoint was made with another tokenizer`);
  }
  if (tokenizer.vocabSize > config.vocab_size) {
    throw new Error(`${configFile}: vocab_size ${config.vocab_size} is smaller than the ${tokenizer.vocabSize} tokens of the tokenizer ${tokenizerDir}; the checkpoint was made with another tokenizer`);
  }
}

/** Throws naming the files when the VAE cannot decode this model's latents at the settings' size. */
function checkVae(vae: VideoVae, config: HaploOmniConfig, settings: PipelineSettings, vaeDir: string, dir: string): void {
  const vaeConfig = path.join(vaeDir, VAE_CONFIG_FILE);
  if (vae.config.latent_channels !== config.latent_channels) {
    throw new Error(`${vaeConfig}: latent_channels ${vae.config.latent_channels} does not match latent_channels ${config.latent_channels} of ${path.join(dir, CONFIG_FILE)}; use the VAE the model was trained with`);
  }
  const unit = vae.config.spatial_compression * LATENT_PATCH;
  if (settings.video_height % unit !== 0 || settings.video_width % unit !== 0) {
    throw new Error(`${path.join(dir, PIPELINE_FILE)}: video size ${settings.video_height}x${settings.video_width} must be a multiple of ${unit} (VAE compression ${vae.config.spatial_compression} x latent patch ${LATENT_PATCH})`);
  }
  if ((settings.video_frames - 1) % vae.config.temporal_compression !== 0) {
    throw new Error(`${path.join(dir, PIPELINE_FILE)}: video_frames ${settings.video_frames} must be 1 + a multiple of the VAE's temporal compression ${vae.config.temporal_compression}`);
  }
}

/** Loads a model folder (default: the embedded model). */
export function loadPipeline(dir: string = DEFAULT_MODEL_DIR): Pipeline {
  checkModelFolder(dir);
  const configFile = path.join(dir, CONFIG_FILE);
  const config = loadConfig(configFile);
  const files = modelWeightFiles(dir);
  const settings = loadSettings(dir);
  const tokenizerDir = subfolderOrDefault(dir, TOKENIZER_SUBDIR, DEFAULT_TOKENIZER_DIR);
  const tokenizer = loadTokenizer(tokenizerDir);
  checkTokenizer(config, tokenizer, configFile, tokenizerDir);
  const model = new HaploOmni(config);
  loadWeights(model, files);
  const vaeDir = subfolderOrDefault(dir, VAE_SUBDIR, DEFAULT_VAE_DIR);
  let vae: VideoVae | undefined;
  return {
    dir, model, tokenizer, settings, tokenizerDir, vaeDir,
    get vae(): VideoVae {
      if (!vae) {
        if (!existsSync(path.join(vaeDir, VAE_CONFIG_FILE))) {
          throw new Error(`no video VAE at ${vaeDir} (${VAE_CONFIG_FILE} is missing): put a VAE folder made by \`haploomni train-vae\` in ${path.join(dir, VAE_SUBDIR)}`);
        }
        const loaded = loadVae(vaeDir);
        checkVae(loaded, config, settings, vaeDir, dir);
        vae = loaded;
      }
      return vae;
    },
  };
}
