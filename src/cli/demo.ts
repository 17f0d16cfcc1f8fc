/**
 * `haploomni demo`: the main job on the embedded default model, with no arguments. It writes a few
 * Shapes test videos as GIFs and asks the model questions about them (printing answer and truth), then
 * generates videos from a few prompts, writes them as GIFs plus a PNG frame grid, and prints what the
 * detector reads back from each.
 */
import path from 'node:path';
import { makeVideo, shapesSample, writeFrameGrid, writeGif, type QuestionType } from '../data/index.js';
import { detectObjects } from '../eval/detector.js';
import { isCorrect } from '../eval/understanding.js';
import { answerQuestions, generateVideos, loadPipeline } from '../pipeline/index.js';
import { backendName } from '../tensor/index.js';
import type { CommandSpec } from './args.js';
import { MODEL_OPTION, PROCESS_IO, checkInt, parseCommand, progressLine, runCommand, type CommandIO } from './command.js';

const NAME = 'haploomni demo';

/** Prompts the demo generates from (pairs that every split allows). */
const DEMO_PROMPTS = [
  'a large red circle moving right on a black background',
  'a small yellow square moving up on a navy background',
  'a large cyan triangle moving down and to the left on a gray background',
];

/** The question types asked about each video, first question of each type. */
const ASKED: readonly QuestionType[] = ['color', 'shape', 'motion', 'count', 'existence'];

export const DEMO_SPEC: CommandSpec = {
  usage: NAME,
  summary: 'Asks the model about Shapes test videos and generates videos from prompts, writing GIFs to --out and printing their paths.',
  options: {
    model: MODEL_OPTION,
    out: { type: 'string', short: 'o', help: 'output folder', default: path.join('out', 'demo') },
    videos: { type: 'int', help: 'test videos to ask about', default: 3 },
    steps: { type: 'int', help: "DDIM sampling steps (default: the model's pipeline.json)" },
    seed: { type: 'int', help: 'seed of the generation noise', default: 0 },
  },
};

export async function runDemo(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  return runCommand(NAME, io, () => {
    const args = parseCommand(argv, DEMO_SPEC, io);
    if (!args) return 0;
    const o = args.options;
    const out = o.out as string;
    const count = checkInt(NAME, 'videos', o.videos as number, 0, 100);
    const steps = o.steps === undefined ? undefined : checkInt(NAME, 'steps', o.steps as number, 1, 1000);
    const seed = checkInt(NAME, 'seed', o.seed as number, 0);
    const pipeline = loadPipeline(o.model as string | undefined);
    const say = (line: string) => io.stdout.write(line + '\n');
    say(`model ${pipeline.dir} (backend ${backendName()})`);

    if (count > 0) say('');
    for (let i = 0; i < count; i++) {
      const s = shapesSample('test', i);
      const video = makeVideo(s.frames, s.frameCount, s.height, s.width);
      const file = path.join(out, `video-${i + 1}.gif`);
      writeGif(file, video);
      say(`${file}  (${s.description})`);
      const questions = ASKED.flatMap((t) => s.questions.filter((q) => q.type === t).slice(0, 1));
      const answers = answerQuestions(pipeline, questions.map((q) => ({ video, question: q.question })), { maxNewTokens: 16, batchSize: questions.length });
      const width = Math.max(...questions.map((q) => q.question.length));
      questions.forEach((q, k) => say(`  ${q.question.padEnd(width)}  ->  ${answers[k].trim() || '(no answer)'}   (truth: ${q.answer}) ${isCorrect(q, answers[k]) ? '✓' : '✗'}`));
    }

    const progress = progressLine(io), total = steps ?? pipeline.settings.sampling_steps;
    const videos = generateVideos(pipeline, DEMO_PROMPTS, {
      seed, ...(steps !== undefined ? { steps } : {}),
      onStep: (st) => progress(`generating ${DEMO_PROMPTS.length} videos: step ${st.step + 1}/${total}`, st.step + 1 === total),
    });
    say('');
    videos.forEach((v, k) => {
      const file = path.join(out, `generated-${k + 1}.gif`);
      writeGif(file, v);
      const seen = detectObjects(v.frames, v.frameCount, v.height, v.width).objects[0];
      say(`${file}  "${DEMO_PROMPTS[k]}"  -> read back: ${seen ? `${seen.size} ${seen.color} ${seen.shape}, ${seen.motion}` : 'no object'}`);
    });
    const grid = path.join(out, 'generated.png');
    writeFrameGrid(grid, videos);
    say(`${grid}  (every generated frame, one row per prompt)`);
    return 0;
  });
}
