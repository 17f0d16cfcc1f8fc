/**
 * Processor-side geometry shared by the data pipeline and the model (reference §2.1, §7): which anyres
 * resolution an image gets, how many placeholder tokens an image or a video expands to, and the
 * `attention_start_ids` of the intended understanding mask. Pixel work (resize, pad, normalise) lives in
 * src/data/media; these functions only compute sizes and indices, so both sides agree by construction.
 */
import { patchesPerSide, type HaploOmniConfig } from './config.js';

/**
 * LLaVA-NeXT `select_best_resolution`: the candidate [height, width] that keeps the most of the image's
 * resolution when the image is fitted inside it (aspect kept), ties broken by the least wasted area.
 */
export function selectBestResolution(imageSize: readonly [number, number], candidates: readonly (readonly [number, number])[]): [number, number] {
  const [oh, ow] = imageSize;
  if (!(oh > 0 && ow > 0)) throw new Error(`image size [${oh}, ${ow}] must be positive`);
  let best: [number, number] = [candidates[0][0], candidates[0][1]];
  let bestEffective = -1, bestWasted = Infinity;
  for (const [h, w] of candidates) {
    const scale = Math.min(w / ow, h / oh);
    const dw = Math.trunc(ow * scale), dh = Math.trunc(oh * scale);
    const effective = Math.min(dw * dh, ow * oh);
    const wasted = w * h - effective;
    if (effective > bestEffective || (effective === bestEffective && wasted < bestWasted)) {
      best = [h, w];
      bestEffective = effective;
      bestWasted = wasted;
    }
  }
  return best;
}

/** Where an image goes before tiling (LLaVA-OneVision resize_and_pad_image), for the pixel pipeline. */
export interface AnyresLayout {
  /** chosen resolution [height, width] */
  target: [number, number];
  /** tiles [rows, cols] of tile x tile pixels, row-major */
  grid: [number, number];
  /** the image resized with its aspect kept (bicubic), [height, width] */
  resized: [number, number];
  /** zero padding above and left of the resized image (centred) */
  padTop: number;
  padLeft: number;
}

/** The anyres layout of an image of `imageSize` [height, width]. */
export function anyresLayout(imageSize: readonly [number, number], config: HaploOmniConfig): AnyresLayout {
  const tile = config.pre_config.default_image_size;
  const [th, tw] = selectBestResolution(imageSize, config.image_grid_pinpoints);
  const [oh, ow] = imageSize;
  const sw = tw / ow, sh = th / oh;
  const resized: [number, number] = sw < sh ? [Math.min(Math.ceil(oh * sw), th), tw] : [th, Math.min(Math.ceil(ow * sh), tw)];
  return {
    target: [th, tw], grid: [th / tile, tw / tile], resized,
    padTop: Math.floor((th - resized[0]) / 2), padLeft: Math.floor((tw - resized[1]) / 2),
  };
}

/** Python's int(round(x, 7)) for x >= 0: the unpad arithmetic of transformers' unpad_image. */
const roundedInt = (x: number): number => Math.trunc(Math.round(x * 1e7) / 1e7);

/**
 * The rows of an assembled [gridH * n, gridW * n] feature map that unpadding keeps, as
 * [rowStart, rowEnd, colStart, colEnd] (transformers' unpad_image: crop the zero padding the
 * processor added around the aspect-kept image).
 */
export function unpadBox(imageSize: readonly [number, number], height: number, width: number): [number, number, number, number] {
  const [oh, ow] = imageSize;
  if (ow / oh > width / height) {
    const newHeight = roundedInt(oh * (width / ow));
    const pad = Math.floor((height - newHeight) / 2);
    return [pad, height - pad, 0, width];
  }
  const newWidth = roundedInt(ow * (height / oh));
  const pad = Math.floor((width - newWidth) / 2);
  return [0, height, pad, width - pad];
}

/** K of 'anyres_max_K' (null for plain 'anyres'). */
export function anyresMaxTiles(config: HaploOmniConfig): number | null {
  const m = /^anyres_max_(\d+)$/.exec(config.image_aspect_ratio);
  return m ? Number(m[1]) : null;
}

/** Size of an image's feature map after unpadding and the anyres_max downsample (reference §7.1 step 4). */
export interface ImageFeatureGeometry {
  grid: [number, number];
  /** the unpad crop of the assembled map */
  box: [number, number, number, number];
  /** final feature map [rows, cols]; each row gets one newline token */
  rows: number;
  cols: number;
  /** whether the unpadded map is bilinearly downsampled */
  downsampled: boolean;
}

export function imageFeatureGeometry(imageSize: readonly [number, number], config: HaploOmniConfig): ImageFeatureGeometry {
  const n = patchesPerSide(config);
  const { grid } = anyresLayout(imageSize, config);
  const box = unpadBox(imageSize, grid[0] * n, grid[1] * n);
  let rows = box[1] - box[0], cols = box[3] - box[2];
  const maxTiles = anyresMaxTiles(config);
  let downsampled = false;
  if (maxTiles !== null) {
    // r = sqrt(H W / (K n^2)); above 1.1 the map shrinks to (floor(H / r), floor(W / r)).
    const r = Math.sqrt((rows * cols) / (maxTiles * n * n));
    if (r > 1.1) {
      rows = Math.floor(rows / r);
      cols = Math.floor(cols / r);
      downsampled = true;
    }
  }
  return { grid, box, rows, cols, downsampled };
}

/**
 * `<image>` tokens an image of imageSize [height, width] expands to: H W + H (a newline per row).
 * The reference processor hard-codes anyres_max 9 while its model reads K from the config (§10.8); we
 * use the config's K on both sides so that the counts always agree.
 */
export function imageTokenCount(imageSize: readonly [number, number], config: HaploOmniConfig): number {
  const g = imageFeatureGeometry(imageSize, config);
  return g.rows * (g.cols + 1);
}

/** `<video>` tokens of a video of `frames` frames: n^2 per frame plus one newline after the last frame. */
export function videoTokenCount(frames: number, config: HaploOmniConfig): number {
  if (!Number.isInteger(frames) || frames < 1) throw new Error(`a video needs at least one frame, got ${frames}`);
  const n = patchesPerSide(config);
  return frames * n * n + 1;
}

/** Token counts of the images and videos of a batch, in placeholder order. */
export interface MediaTokenCounts {
  images: readonly number[];
  videos: readonly number[];
}

/**
 * attention_start_ids (§2.1) for ids [batch, length]: j for text; for every token of an image, the
 * index of the image's first token (newlines included); for a video, each frame's n^2 tokens start
 * at the frame's first token and the trailing newline is its own block. Consecutive placeholders are
 * split into media items by `counts` (consumed in order over the batch, row-major).
 */
export function attentionStartIds(ids: Int32Array, batch: number, length: number, config: HaploOmniConfig, counts: MediaTokenCounts): Int32Array {
  const n2 = patchesPerSide(config) ** 2;
  const start = new Int32Array(batch * length);
  let image = 0, video = 0;
  for (let b = 0; b < batch; b++) {
    const row = b * length;
    let j = 0;
    while (j < length) {
      const id = ids[row + j];
      if (id === config.image_token_index) {
        if (image >= counts.images.length) throw new Error(`row ${b} has more <image> placeholders than the ${counts.images.length} images given`);
        const len = counts.images[image++];
        checkRun(ids, row, j, len, length, id, `image ${image - 1}`, b);
        start.fill(j, row + j, row + j + len);
        j += len;
      } else if (id === config.video_token_index) {
        if (video >= counts.videos.length) throw new Error(`row ${b} has more <video> placeholders than the ${counts.videos.length} videos given`);
        const len = counts.videos[video++];
        checkRun(ids, row, j, len, length, id, `video ${video - 1}`, b);
        if ((len - 1) % n2 !== 0) throw new Error(`video ${video - 1} has ${len} tokens, not frames * ${n2} + 1`);
        for (let f = 0; f < (len - 1) / n2; f++) start.fill(j + f * n2, row + j + f * n2, row + j + (f + 1) * n2);
        start[row + j + len - 1] = j + len - 1;
        j += len;
      } else {
        start[row + j] = j;
        j++;
      }
    }
  }
  if (image !== counts.images.length || video !== counts.videos.length) {
    throw new Error(`the ids hold placeholders for ${image} images and ${video} videos, but ${counts.images.length} images and ${counts.videos.length} videos were given`);
  }
  return start;
}

function checkRun(ids: Int32Array, row: number, j: number, len: number, length: number, id: number, what: string, b: number): void {
  for (let k = 0; k < len; k++) {
    if (j + k >= length || ids[row + j + k] !== id) {
      throw new Error(`${what} needs ${len} consecutive placeholder tokens (id ${id}) at row ${b}, position ${j}, but the run ends after ${k}`);
    }
  }
}

/**
 * Expands each single `<image>` / `<video>` placeholder of a prompt into as many copies as the item
 * needs (in order), returning the ids and their attention_start_ids.
 */
export function expandPlaceholders(ids: readonly number[], config: HaploOmniConfig,
  media: { imageSizes?: readonly (readonly [number, number])[]; videoFrames?: readonly number[] }): { ids: Int32Array; attentionStartIds: Int32Array } {
  const imageSizes = media.imageSizes ?? [], videoFrames = media.videoFrames ?? [];
  const images = imageSizes.map((s) => imageTokenCount(s, config)), videos = videoFrames.map((f) => videoTokenCount(f, config));
  const out: number[] = [];
  let image = 0, video = 0;
  for (const id of ids) {
    if (id === config.image_token_index) {
      if (image >= images.length) throw new Error(`the prompt has more <image> placeholders than the ${images.length} images given`);
      for (let k = 0; k < images[image]; k++) out.push(id);
      image++;
    } else if (id === config.video_token_index) {
      if (video >= videos.length) throw new Error(`the prompt has more <video> placeholders than the ${videos.length} videos given`);
      for (let k = 0; k < videos[video]; k++) out.push(id);
      video++;
    } else {
      out.push(id);
    }
  }
  if (image !== images.length || video !== videos.length) {
    throw new Error(`the prompt has ${image} <image> and ${video} <video> placeholders for ${images.length} images and ${videos.length} videos`);
  }
  const expanded = Int32Array.from(out);
  return { ids: expanded, attentionStartIds: attentionStartIds(expanded, 1, expanded.length, config, { images, videos }) };
}
