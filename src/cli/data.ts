/**
 * `haploomni data ...` subcommands:
 *   data check <manifest> [--kind understanding|generation] [--no-decode]
 *   data shapes --out DIR --n N [--split train] [--seed S] [--frames F] [--size S] [--start I]
 */
import path from 'node:path';
import { checkDataset, type DatasetKind } from '../data/datasets/check.js';
import { formatIssue } from '../data/datasets/issues.js';
import { writeShapesDataset } from '../data/datasets/shapes-export.js';
import { SPLITS, type ShapesSplit } from '../data/shapes/splits.js';
import { MAX_FRAMES, MAX_SIDE, MIN_SIDE, SHAPES_DEFAULTS } from '../data/shapes/world.js';
import { UsageError, helpText, parseArgs, type CommandSpec, type ParsedArgs } from './args.js';

export interface CommandIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

const USAGE = `usage: haploomni data <command> [options]

commands:
  check <manifest>   validate a dataset (records and media files) without training
  shapes             write Shapes-world samples to disk in the dataset formats

Run "haploomni data <command> --help" for the options of a command.
`;

const CHECK: CommandSpec = {
  usage: 'haploomni data check',
  summary:
    'Validates a dataset manifest (JSON array or JSONL) and every media file it references.\n' +
    '  understanding: LLaVA records {id, image|video, conversations: [{from: human|gpt, value}]}\n' +
    '  generation:    records {video|image, caption[, id]}\n' +
    "Relative media paths resolve against the manifest's folder. Prints a summary and every problem\n" +
    '(file:line for JSONL, file[index] for JSON arrays); exits with 1 if there is any.',
  options: {
    kind: { type: 'string', choices: ['understanding', 'generation'], help: 'dataset kind (default: guessed from the first record)' },
    'no-decode': { type: 'boolean', help: 'only check that media files exist, do not decode them' },
  },
  positionals: [{ name: 'manifest', help: 'the manifest file (.json or .jsonl)', required: true }],
};

const SHAPES: CommandSpec = {
  usage: 'haploomni data shapes',
  summary:
    'Writes N Shapes-world samples: DIR/media (GIF videos, PNG images), DIR/scenes (ground truth),\n' +
    'DIR/understanding.jsonl (LLaVA conversations) and DIR/generation.jsonl (video + caption).',
  options: {
    out: { type: 'string', help: 'output folder (created if missing; required)' },
    n: { type: 'int', help: 'number of samples (required)' },
    split: { type: 'string', choices: SPLITS, default: 'train', help: 'dataset split' },
    seed: { type: 'int', default: SHAPES_DEFAULTS.seed, help: 'dataset seed' },
    frames: { type: 'int', default: SHAPES_DEFAULTS.frames, help: 'frames per video, 1 for still images' },
    size: { type: 'int', default: SHAPES_DEFAULTS.width, help: 'frame height and width in pixels' },
    start: { type: 'int', default: 0, help: 'index of the first sample' },
  },
};

const wantsHelp = (argv: readonly string[]): boolean => argv.includes('--help') || argv.includes('-h');

/** An integer option checked against [min, max]; `required` options have no default. */
function intOption(args: ParsedArgs, spec: CommandSpec, name: string, min: number, max: number): number {
  const value = args.options[name];
  if (value === undefined) throw new UsageError(`${spec.usage}: missing required option --${name}`);
  if (typeof value !== 'number' || value < min || value > max) throw new UsageError(`${spec.usage}: --${name} must be from ${min} to ${max}, got ${value}`);
  return value;
}

async function runCheck(argv: readonly string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, CHECK)!;
  const kind = args.options.kind as DatasetKind | undefined;
  const report = await checkDataset(args.positionals[0], { ...(kind ? { kind } : {}), decode: args.options['no-decode'] !== true });
  const media = report.kind === 'understanding' ? `${report.images} images, ${report.videos} videos, ${report.textOnly} text-only` : `${report.images} images, ${report.videos} videos`;
  io.stdout.write(`${report.file}: ${report.kind} dataset, ${report.records} records, ${report.valid} valid (${media})\n`);
  if (report.issues.length === 0) {
    io.stdout.write('no problems found\n');
    return 0;
  }
  io.stdout.write(`${report.issues.length} problem${report.issues.length === 1 ? '' : 's'}:\n`);
  for (const issue of report.issues) io.stdout.write(`${formatIssue(issue)}\n`);
  return 1;
}

function runShapes(argv: readonly string[], io: CommandIO): number {
  const args = parseArgs(argv, SHAPES)!;
  const outDir = args.options.out as string | undefined;
  if (outDir === undefined) throw new UsageError(`${SHAPES.usage}: missing required option --out`);
  const count = intOption(args, SHAPES, 'n', 1, 10_000_000);
  const split = args.options.split as ShapesSplit;
  const seed = intOption(args, SHAPES, 'seed', 0, Number.MAX_SAFE_INTEGER);
  const frames = intOption(args, SHAPES, 'frames', 1, MAX_FRAMES);
  const size = intOption(args, SHAPES, 'size', MIN_SIDE, MAX_SIDE);
  const start = intOption(args, SHAPES, 'start', 0, Number.MAX_SAFE_INTEGER);
  let lastReport = 0;
  const result = writeShapesDataset({
    outDir,
    split,
    count,
    start,
    seed,
    frames,
    height: size,
    width: size,
    onProgress: (done, total) => {
      const now = performance.now();
      if (io.stderr.isTTY && (now - lastReport > 200 || done === total)) {
        lastReport = now;
        io.stderr.write(`\rwriting samples ${done}/${total}${done === total ? '\n' : ''}`);
      }
    },
  });
  const kind = frames > 1 ? `${frames}-frame ${size}x${size} videos` : `${size}x${size} images`;
  io.stdout.write(`wrote ${result.samples} ${split} samples (${kind}) to ${path.resolve(outDir)}: understanding.jsonl, generation.jsonl, media/, scenes/\n`);
  return 0;
}

/**
 * Runs `haploomni data <argv...>` and returns the exit code: 0 success, 1 dataset problems or
 * failure, 2 bad arguments (printed as one line on stderr).
 */
export async function runDataCommand(argv: string[], io: CommandIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        io.stderr.write(USAGE);
        return 2;
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(USAGE);
        return 0;
      case 'check':
      case 'shapes': {
        const spec = command === 'check' ? CHECK : SHAPES;
        if (wantsHelp(rest)) {
          io.stdout.write(helpText(spec) + '\n');
          return 0;
        }
        return command === 'check' ? await runCheck(rest, io) : runShapes(rest, io);
      }
      default:
        throw new UsageError(`haploomni data: unknown command "${command}" (expected check or shapes; see haploomni data --help)`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`${e.message}\n`);
      return 2;
    }
    io.stderr.write(`haploomni data ${command}: ${(e as Error).message}\n`);
    return 1;
  }
}
