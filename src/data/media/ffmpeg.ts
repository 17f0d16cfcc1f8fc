/**
 * Video files through the system ffmpeg (MP4, WebM, MOV, ...): decoding to RGB frames and
 * encoding MP4 (H.264). ffmpeg/ffprobe are found on PATH, or at $HAPLOOMNI_FFMPEG / $HAPLOOMNI_FFPROBE.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { temporaryPath } from '../../io/atomic.js';
import { PpmStreamParser } from './ppm-stream.js';
import { sampleFramesUniformly, uniformFrameIndices } from './sample-frames.js';
import { makeVideo, type RgbVideo } from './video.js';

const ffmpegPath = (): string => process.env.HAPLOOMNI_FFMPEG || 'ffmpeg';
const ffprobePath = (): string => process.env.HAPLOOMNI_FFPROBE || 'ffprobe';

/** Error for a missing ffmpeg installation. */
function notInstalled(tool: string, purpose: string): Error {
  return new Error(`${purpose} needs ${tool}, which is not installed (not found on PATH); install the Debian package "ffmpeg" (apt-get install ffmpeg)`);
}

interface RunResult {
  code: number | null;
  stderr: string;
}

/** Runs a tool, streaming stdout to `onStdout`; rejects with a clear error if the tool is missing. */
function run(bin: string, args: readonly string[], purpose: string, options: { stdin?: Uint8Array; onStdout?: (chunk: Uint8Array) => void } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? notInstalled(bin, purpose) : e));
    child.stdout!.on('data', (chunk: Buffer) => options.onStdout?.(chunk));
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('close', (code) => resolve({ code, stderr }));
    if (options.stdin && child.stdin) {
      child.stdin.on('error', () => undefined); // ffmpeg exiting early surfaces as its exit code
      child.stdin.end(options.stdin);
    }
  });
}

const lastLine = (text: string): string => text.trim().split('\n').pop() ?? '';

/** Frame count (video packets) and frame rate of the first video stream, via ffprobe. */
async function probe(file: string): Promise<{ frames?: number; fps?: number }> {
  let out = '';
  const { code, stderr } = await run(
    ffprobePath(),
    ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets,avg_frame_rate', '-of', 'json', file],
    `reading ${file}`,
    { onStdout: (c) => (out += Buffer.from(c).toString('utf8')) },
  );
  if (code !== 0) throw new Error(`${file}: unreadable video (ffprobe: ${lastLine(stderr) || `exit code ${code}`})`);
  const stream = (JSON.parse(out) as { streams?: Array<{ nb_read_packets?: string; avg_frame_rate?: string }> }).streams?.[0];
  if (!stream) throw new Error(`${file}: no video stream`);
  const frames = Number(stream.nb_read_packets);
  const [num, den] = (stream.avg_frame_rate ?? '').split('/').map(Number);
  return {
    ...(frames > 0 ? { frames } : {}),
    ...(num > 0 && den > 0 ? { fps: num / den } : {}),
  };
}

/**
 * Decodes a video file to RGB frames. With `numFrames`, only those frames are kept, sampled
 * uniformly (floor(i * total / num)) — the whole file is still decoded once, but never held in memory.
 */
export async function decodeVideoFile(file: string, options: { numFrames?: number } = {}): Promise<RgbVideo> {
  const info = await probe(file);
  const wanted = options.numFrames !== undefined && info.frames !== undefined ? uniformFrameIndices(info.frames, options.numFrames) : undefined;
  const kept = new Map<number, Uint8Array>();
  let last: Uint8Array | undefined;
  let decoded = 0;
  let size: { width: number; height: number } | undefined;
  const parser = new PpmStreamParser();
  let parseError: Error | undefined;
  const { code, stderr } = await run(ffmpegPath(), ['-v', 'error', '-nostdin', '-i', file, '-map', '0:v:0', '-f', 'image2pipe', '-vcodec', 'ppm', '-'], `reading ${file}`, {
    onStdout: (chunk) => {
      if (parseError) return;
      try {
        parser.push(chunk, (frame) => {
          size ??= { width: frame.width, height: frame.height };
          if (frame.width !== size.width || frame.height !== size.height) throw new Error(`frame size changes from ${size.width}x${size.height} to ${frame.width}x${frame.height}`);
          if (!wanted || wanted.includes(decoded)) kept.set(decoded, frame.rgb);
          last = frame.rgb;
          decoded++;
        });
      } catch (e) {
        parseError = e as Error;
      }
    },
  });
  if (parseError) throw new Error(`${file}: unreadable video (${parseError.message})`);
  if (code !== 0) throw new Error(`${file}: unreadable video (ffmpeg: ${lastLine(stderr) || `exit code ${code}`})`);
  if (parser.incomplete) throw new Error(`${file}: unreadable video (ffmpeg output ends inside a frame)`);
  if (!size || !last || decoded === 0) throw new Error(`${file}: video has no decodable frames`);
  // The packet count can exceed the decoded frame count; missing tail frames repeat the last one.
  const indices = wanted ?? Array.from({ length: decoded }, (_, i) => i);
  const frameSize = size.width * size.height * 3;
  const out = new Uint8Array(indices.length * frameSize);
  indices.forEach((index, k) => out.set(kept.get(index) ?? last!, k * frameSize));
  const video = makeVideo(out, indices.length, size.height, size.width, info.fps);
  // Without a frame count from ffprobe every frame was kept; sample now.
  return options.numFrames !== undefined && !wanted ? sampleFramesUniformly(video, options.numFrames) : video;
}

/** Encodes the video as H.264 MP4 (yuv420p; odd sizes are padded by one pixel), atomically. */
export async function writeMp4(file: string, video: RgbVideo, options: { fps?: number } = {}): Promise<void> {
  const fps = options.fps ?? video.fps ?? 8;
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = temporaryPath(file);
  const args = [
    '-v', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${video.width}x${video.height}`, '-r', String(fps), '-i', '-',
    '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart',
    tmp,
  ];
  try {
    const { code, stderr } = await run(ffmpegPath(), args, `writing ${file}`, { stdin: video.frames });
    if (code !== 0) throw new Error(`cannot write ${file} (ffmpeg: ${lastLine(stderr) || `exit code ${code}`})`);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}
