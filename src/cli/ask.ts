/** `haploomni ask`: answers a question about a video or an image, streaming the answer to stdout. */
import { readMedia } from '../data/index.js';
import { answerQuestion, loadPipeline } from '../pipeline/index.js';
import { UsageError, type CommandSpec } from './args.js';
import { MODEL_OPTION, PROCESS_IO, checkInt, parseCommand, runCommand, type CommandIO } from './command.js';

const NAME = 'haploomni ask';

export const ASK_SPEC: CommandSpec = {
  usage: NAME,
  summary: 'Answers a question about a video (--video) or an image (--image), printing the answer as it is generated.',
  options: {
    model: MODEL_OPTION,
    video: { type: 'string', help: 'video file: GIF, or MP4 / WebM / MOV / MKV / AVI (read with ffmpeg); frames are sampled uniformly' },
    image: { type: 'string', help: 'image file: PNG, JPEG or GIF (first frame)' },
    'max-new-tokens': { type: 'int', help: 'longest answer in tokens', default: 64 },
    temperature: { type: 'number', help: 'sampling temperature (0 = greedy)', default: 0 },
    seed: { type: 'int', help: 'sampling seed', default: 0 },
  },
  positionals: [{ name: 'question...', help: 'the question (quote it, or give it as several words)', required: true }],
};

export async function runAsk(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  return runCommand(NAME, io, async () => {
    const args = parseCommand(argv, ASK_SPEC, io);
    if (!args) return 0;
    const o = args.options;
    const video = o.video as string | undefined, image = o.image as string | undefined;
    if ((video === undefined) === (image === undefined)) throw new UsageError(`${NAME}: give exactly one of --video FILE or --image FILE (see ${NAME} --help)`);
    const maxNewTokens = checkInt(NAME, 'max-new-tokens', o['max-new-tokens'] as number, 1, 4096);
    const temperature = o.temperature as number;
    if (!(temperature >= 0)) throw new UsageError(`${NAME}: --temperature must be 0 or more, got ${temperature}`);
    const seed = checkInt(NAME, 'seed', o.seed as number, 0);
    const question = args.positionals.join(' ').trim();
    if (!question) throw new UsageError(`${NAME}: the question is empty`);

    const picture = await readMedia((video ?? image)!);
    const pipeline = loadPipeline(o.model as string | undefined);
    answerQuestion(pipeline, { question, ...(video !== undefined ? { video: picture } : { image: picture }) }, {
      maxNewTokens, temperature, seed, onText: (text) => io.stdout.write(text),
    });
    io.stdout.write('\n');
    return 0;
  });
}
