/**
 * `haploomni export`: rewrites a model folder with its weights stored as F16 (or F32): config.json,
 * model.safetensors and pipeline.json, plus copies of the folder's own vae/ and tokenizer/ when it has them.
 */
import path from 'node:path';
import { statSync } from 'node:fs';
import { WEIGHTS_FILE } from '../model/index.js';
import { loadPipeline, savePipeline, TOKENIZER_SUBDIR, VAE_SUBDIR, type WeightDtype } from '../pipeline/index.js';
import { UsageError, type CommandSpec } from './args.js';
import { MODEL_OPTION, PROCESS_IO, parseCommand, runCommand, type CommandIO } from './command.js';

const NAME = 'haploomni export';

export const EXPORT_SPEC: CommandSpec = {
  usage: NAME,
  summary: 'Writes a copy of a model folder with its weights in the given precision (F16 halves the size).',
  options: {
    model: MODEL_OPTION,
    out: { type: 'string', short: 'o', help: 'output folder (required; created if missing)' },
    dtype: { type: 'string', choices: ['f16', 'f32'], help: 'storage type of the weights', default: 'f16' },
  },
};

export async function runExport(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  return runCommand(NAME, io, () => {
    const args = parseCommand(argv, EXPORT_SPEC, io);
    if (!args) return 0;
    const out = args.options.out as string | undefined;
    if (out === undefined) throw new UsageError(`${NAME}: missing required option --out DIR`);
    const dtype = args.options.dtype as WeightDtype;
    const pipeline = loadPipeline(args.options.model as string | undefined);
    const own = (sub: string, used: string) => (path.resolve(used) === path.resolve(pipeline.dir, sub) ? used : undefined);
    const vaeDir = own(VAE_SUBDIR, pipeline.vaeDir), tokenizerDir = own(TOKENIZER_SUBDIR, pipeline.tokenizerDir);
    savePipeline(out, pipeline.model, pipeline.settings, { dtype, ...(vaeDir ? { vaeDir } : {}), ...(tokenizerDir ? { tokenizerDir } : {}) });
    const mb = (statSync(path.join(out, WEIGHTS_FILE)).size / 1e6).toFixed(1);
    const extra = [vaeDir ? `${VAE_SUBDIR}/` : '', tokenizerDir ? `${TOKENIZER_SUBDIR}/` : ''].filter(Boolean);
    io.stdout.write(`wrote ${out}: ${WEIGHTS_FILE} (${dtype.toUpperCase()}, ${mb} MB), config.json, pipeline.json${extra.length ? ', ' + extra.join(', ') : ''}\n`);
    return 0;
  });
}
