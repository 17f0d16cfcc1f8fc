/**
 * `pipeline.json` in a model folder: how pictures are prepared for this model and what it makes by
 * default. A folder without one gets these defaults (the Shapes-world settings the `tiny` preset trains on).
 */
export interface PipelineSettings {
  /** frames uniformly sampled from a video for a question */
  understanding_frames: number;
  /** generated clip: frames (1 + 4k, the VAE's temporal grouping) and size in pixels */
  video_frames: number;
  video_height: number;
  video_width: number;
  /** DDIM steps and classifier-free guidance scale used when the user gives none */
  sampling_steps: number;
  guidance_scale: number;
}

export const PIPELINE_FILE = 'pipeline.json';

export const DEFAULT_PIPELINE_SETTINGS: Readonly<PipelineSettings> = {
  understanding_frames: 5,
  video_frames: 9,
  video_height: 32,
  video_width: 32,
  sampling_steps: 50,
  guidance_scale: 6,
};

/** Settings from parsed JSON: known keys checked, missing keys defaulted; `source` names the file in errors. */
export function parsePipelineSettings(json: unknown, source: string): PipelineSettings {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${source}: expected a JSON object`);
  const out: PipelineSettings = { ...DEFAULT_PIPELINE_SETTINGS };
  for (const [k, v] of Object.entries(json)) {
    if (!(k in out)) throw new Error(`${source}: unknown key '${k}' (known: ${Object.keys(out).join(', ')})`);
    if (typeof v !== 'number' || !(v > 0)) throw new Error(`${source}: '${k}' must be a positive number, got ${JSON.stringify(v)}`);
    (out as unknown as Record<string, number>)[k] = v;
  }
  for (const k of ['understanding_frames', 'video_frames', 'video_height', 'video_width', 'sampling_steps'] as const) {
    if (!Number.isInteger(out[k])) throw new Error(`${source}: '${k}' must be an integer, got ${out[k]}`);
  }
  if ((out.video_frames - 1) % 4 !== 0) throw new Error(`${source}: 'video_frames' must be 1 + a multiple of 4, got ${out.video_frames}`);
  return out;
}
