/** `haploomni eval`: the quick evaluation (src/eval/evaluate.ts) of a model folder on a Shapes split. */
import { SPLITS, type ShapesSplit } from '../data/index.js';
import { evaluate } from '../eval/evaluate.js';
import { formatReport } from '../eval/report.js';
import { loadPipeline } from '../pipeline/index.js';
import { UsageError, type CommandSpec } from './args.js';
import { MODEL_OPTION, PROCESS_IO, checkInt, parseCommand, progressLine, runCommand, type CommandIO } from './command.js';

const NAME = 'haploomni eval';

export const EVAL_SPEC: CommandSpec = {
  usage: NAME,
  summary:
    'Evaluates a model on Shapes-world samples: understanding accuracy per question type (attribute, direction,\n' +
    'counting, multiple choice), the one-object questions split by scenes of one object and of several, and\n' +
    'POPE accuracy / precision / recall / F1 / yes-ratio over every question of\n' +
    '--n videos; generation prompt fidelity (colour, shape, motion read back by the analytic detector) over\n' +
    '--gen-n videos generated from captions of single-object scenes.',
  options: {
    model: MODEL_OPTION,
    split: { type: 'string', choices: SPLITS, help: 'Shapes split', default: 'test' },
    n: { type: 'int', help: 'videos whose questions are asked (about 12 questions each; 0 = skip)', default: 32 },
    'gen-n': { type: 'int', help: 'videos generated for prompt fidelity (0 = skip)', default: 16 },
    batch: { type: 'int', help: 'questions per batch', default: 16 },
    steps: { type: 'int', help: "DDIM sampling steps (default: the model's pipeline.json)" },
    guidance: { type: 'number', help: "classifier-free guidance scale (default: the model's pipeline.json)" },
    seed: { type: 'int', help: 'seed of the generation noise', default: 0 },
    json: { type: 'boolean', help: 'print one JSON object instead of the table' },
  },
};

export async function runEval(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  return runCommand(NAME, io, () => {
    const args = parseCommand(argv, EVAL_SPEC, io);
    if (!args) return 0;
    const o = args.options;
    const n = checkInt(NAME, 'n', o.n as number, 0, 100_000);
    const genN = checkInt(NAME, 'gen-n', o['gen-n'] as number, 0, 10_000);
    if (n === 0 && genN === 0) throw new UsageError(`${NAME}: --n and --gen-n are both 0, nothing to evaluate`);
    const batchSize = checkInt(NAME, 'batch', o.batch as number, 1, 1024);
    const steps = o.steps === undefined ? undefined : checkInt(NAME, 'steps', o.steps as number, 1, 1000);
    const guidance = o.guidance as number | undefined;
    if (guidance !== undefined && !(guidance >= 0)) throw new UsageError(`${NAME}: --guidance must be 0 or more, got ${guidance}`);
    const seed = checkInt(NAME, 'seed', o.seed as number, 0);

    const pipeline = loadPipeline(o.model as string | undefined);
    const progress = progressLine(io);
    const report = evaluate(pipeline, {
      split: o.split as ShapesSplit, n, genN, batchSize, seed,
      ...(steps !== undefined ? { steps } : {}),
      ...(guidance !== undefined ? { guidanceScale: guidance } : {}),
      onProgress: (phase, done, total) => progress(`${phase}: ${done}/${total} ${phase === 'understanding' ? 'questions' : 'videos'}`, done === total),
    });
    io.stdout.write((o.json ? JSON.stringify(report, null, 2) : formatReport(report)) + '\n');
    return 0;
  });
}
