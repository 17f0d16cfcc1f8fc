/** `haploomni generate`: text-to-video; writes a GIF (or MP4) per prompt and optionally a PNG frame grid. */
import path from 'node:path';
import { FFMPEG_EXTENSIONS, writeFrameGrid, writeGif, writeMp4, type RgbVideo } from '../data/index.js';
import { generateVideos, loadPipeline } from '../pipeline/index.js';
import { UsageError, type CommandSpec } from './args.js';
import { MODEL_OPTION, PROCESS_IO, checkInt, parseCommand, progressLine, runCommand, type CommandIO } from './command.js';

const NAME = 'haploomni generate';

export const GENERATE_SPEC: CommandSpec = {
  usage: NAME,
  summary: 'Generates a video from each prompt. With several prompts, -o out.gif becomes out-1.gif, out-2.gif, ...',
  options: {
    model: MODEL_OPTION,
    out: { type: 'string', short: 'o', help: 'output video: .gif, or .mp4 / .webm (needs ffmpeg)', default: 'out.gif' },
    grid: { type: 'string', help: 'also write a PNG with every frame, one row per prompt' },
    frames: { type: 'int', help: "frames per video, 1 + a multiple of the VAE's temporal compression (default: the model's pipeline.json)" },
    steps: { type: 'int', help: "DDIM sampling steps (default: the model's pipeline.json)" },
    guidance: { type: 'number', help: "classifier-free guidance scale, off at 1 or less (default: the model's pipeline.json)" },
    seed: { type: 'int', help: 'seed of the initial noise', default: 0 },
  },
  positionals: [{ name: 'prompt...', help: 'one or more prompts (quote each)', required: true }],
};

/** out.gif -> out-3.gif */
function numbered(file: string, k: number): string {
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}-${k}${ext}`;
}

async function writeVideo(file: string, video: RgbVideo): Promise<void> {
  if (path.extname(file).toLowerCase() === '.gif') writeGif(file, video);
  else await writeMp4(file, video);
}

export async function runGenerate(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  return runCommand(NAME, io, async () => {
    const args = parseCommand(argv, GENERATE_SPEC, io);
    if (!args) return 0;
    const o = args.options;
    const out = o.out as string, grid = o.grid as string | undefined;
    const ext = path.extname(out).toLowerCase();
    if (ext !== '.gif' && !(FFMPEG_EXTENSIONS as readonly string[]).includes(ext)) throw new UsageError(`${NAME}: -o must end in .gif or ${FFMPEG_EXTENSIONS.join(', ')}, got '${out}'`);
    if (grid !== undefined && path.extname(grid).toLowerCase() !== '.png') throw new UsageError(`${NAME}: --grid must end in .png, got '${grid}'`);
    const frames = o.frames === undefined ? undefined : checkInt(NAME, 'frames', o.frames as number, 1, 257);
    const steps = o.steps === undefined ? undefined : checkInt(NAME, 'steps', o.steps as number, 1, 1000);
    const guidance = o.guidance as number | undefined;
    if (guidance !== undefined && !(guidance >= 0)) throw new UsageError(`${NAME}: --guidance must be 0 or more, got ${guidance}`);
    const seed = checkInt(NAME, 'seed', o.seed as number, 0);
    const prompts = args.positionals;
    if (prompts.some((p) => p.trim() === '')) throw new UsageError(`${NAME}: a prompt is empty`);

    const pipeline = loadPipeline(o.model as string | undefined);
    const r = pipeline.vae.config.temporal_compression;
    if (frames !== undefined && (frames - 1) % r !== 0) throw new UsageError(`${NAME}: --frames must be 1 + a multiple of ${r} (1, ${r + 1}, ${2 * r + 1}, ...), got ${frames}`);
    const progress = progressLine(io), total = steps ?? pipeline.settings.sampling_steps;
    const videos = generateVideos(pipeline, prompts, {
      seed,
      ...(frames !== undefined ? { frames } : {}),
      ...(steps !== undefined ? { steps } : {}),
      ...(guidance !== undefined ? { guidanceScale: guidance } : {}),
      onStep: (s) => progress(`sampling step ${s.step + 1}/${total}`, false),
    });
    progress(`sampled ${videos.length} video${videos.length === 1 ? '' : 's'} in ${total} steps`, true);
    for (const [k, video] of videos.entries()) {
      const file = prompts.length === 1 ? out : numbered(out, k + 1);
      await writeVideo(file, video);
      io.stdout.write(`${file}  (${video.frameCount} frames, ${video.width}x${video.height})  "${prompts[k]}"\n`);
    }
    if (grid !== undefined) {
      writeFrameGrid(grid, videos);
      io.stdout.write(`${grid}  (frame grid, one row per prompt)\n`);
    }
    return 0;
  });
}
