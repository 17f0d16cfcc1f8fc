/**
 * `haploomni info`: what a model folder holds, without loading the weights: the config in brief,
 * parameters per part (model/info.ts), the weights' storage type and size on disk, the pipeline
 * settings, where the tokenizer and the VAE come from, and the tensor backend in use.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_TOKENIZER_DIR } from '../data/index.js';
import { withSafetensors } from '../io/safetensors.js';
import { CONFIG_FILE, info, loadConfig, type DecoderPartConfig } from '../model/index.js';
import { checkModelFolder, DEFAULT_MODEL_DIR, loadSettings, modelWeightFiles, PIPELINE_FILE, subfolderOrDefault, TOKENIZER_SUBDIR, VAE_SUBDIR } from '../pipeline/index.js';
import { availableBackends, backendName } from '../tensor/index.js';
import { DEFAULT_VAE_DIR } from '../vae/index.js';
import type { CommandSpec } from './args.js';
import { MODEL_OPTION, PROCESS_IO, parseCommand, runCommand, type CommandIO } from './command.js';

const NAME = 'haploomni info';

export const INFO_SPEC: CommandSpec = {
  usage: NAME,
  summary: 'Describes a model folder: config, parameters per part, weights on disk, settings, tokenizer, VAE, and the compute backend.',
  options: {
    model: MODEL_OPTION,
    json: { type: 'boolean', help: 'print one JSON object instead of text' },
  },
};

/** Tensor count per storage type and bytes over the weight files. */
function weightsOnDisk(dir: string): { files: string[]; dtypes: Record<string, number>; bytes: number } {
  const files = modelWeightFiles(dir), dtypes: Record<string, number> = {};
  let bytes = 0;
  for (const file of files) {
    bytes += statSync(file).size;
    withSafetensors(file, (f) => { for (const n of f.names()) dtypes[f.info(n).dtype] = (dtypes[f.info(n).dtype] ?? 0) + 1; });
  }
  return { files: files.map((f) => path.basename(f)), dtypes, bytes };
}

const part = (p: DecoderPartConfig): string => `${p.num_hidden_layers} x ${p.hidden_size} (${p.num_attention_heads} heads, ${p.num_key_value_heads} kv, MLP ${p.intermediate_size})`;
const count = (n: number): string => n.toLocaleString('en-US');

export async function runInfo(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  return runCommand(NAME, io, () => {
    const args = parseCommand(argv, INFO_SPEC, io);
    if (!args) return 0;
    const dir = (args.options.model as string | undefined) ?? DEFAULT_MODEL_DIR;
    checkModelFolder(dir);
    const config = loadConfig(path.join(dir, CONFIG_FILE));
    const weights = weightsOnDisk(dir);
    const settings = loadSettings(dir);
    const tokenizerDir = subfolderOrDefault(dir, TOKENIZER_SUBDIR, DEFAULT_TOKENIZER_DIR);
    const vaeDir = subfolderOrDefault(dir, VAE_SUBDIR, DEFAULT_VAE_DIR);
    const vaePresent = existsSync(path.join(vaeDir, 'config.json'));
    const parameters = info(config).parameters;
    const backend = { name: backendName(), available: availableBackends() };
    if (args.options.json) {
      io.stdout.write(JSON.stringify({ dir, config, parameters, weights, settings, tokenizer: tokenizerDir, vae: vaePresent ? vaeDir : null, backend }, null, 2) + '\n');
      return 0;
    }
    const settingsSource = existsSync(path.join(dir, PIPELINE_FILE)) ? PIPELINE_FILE : 'defaults';
    const lines = [
      `model folder  ${dir}`,
      `weights       ${weights.files.join(', ')}: ${Object.entries(weights.dtypes).map(([d, n]) => `${d} (${n} tensors)`).join(', ')}, ${(weights.bytes / 1e6).toFixed(1)} MB`,
      `vocabulary    ${config.vocab_size} tokens, <image> ${config.image_token_index}, <video> ${config.video_token_index}`,
      `pre-decoder   ${part(config.pre_config)}, vision tile ${config.pre_config.default_image_size} px, patch ${config.pre_config.patch_size}` +
        (config.vision_stem ? `, conv stem ${config.vision_stem.channels.join('-')} (strides ${config.vision_stem.strides.join('-')}) over frames and their differences` : ''),
      `base-decoder  ${part(config.base_config)}`,
      `post-decoder  ${part(config.post_config)}, ${config.latent_channels} latent channels`,
      `masks         understanding: ${config.understanding_mask}; feature pre-scaling ${config.feature_prescale.enabled ? 'on' : 'off'}; token shift ${config.token_shift ? 'on' : 'off'}`,
      'parameters',
      ...Object.entries(parameters).map(([g, n]) => `  ${g.padEnd(16)} ${count(n).padStart(12)}`),
      `settings      (${settingsSource}) questions see ${settings.understanding_frames} frames; videos ${settings.video_frames} frames of ${settings.video_width}x${settings.video_height}, ${settings.sampling_steps} steps, guidance ${settings.guidance_scale}`,
      `tokenizer     ${tokenizerDir}`,
      `vae           ${vaePresent ? vaeDir : `missing (looked in ${vaeDir}); generation needs one`}`,
      `backend       ${backend.name} (available: ${backend.available.join(', ')})`,
    ];
    io.stdout.write(lines.join('\n') + '\n');
    return 0;
  });
}
