/**
 * Visual input of the understanding path (reference §7): pixels -> pre-decoder-width feature tokens,
 * scattered into the `<image>` / `<video>` placeholder positions of the text embeddings.
 *
 *   tile / frame [3, S, S] --patch_embed (Conv2d, stride = patch, no bias)--> n x n patches, + pre_pos_embed
 *   (+ vision_stem(frame, temporal difference) when the config has one: ours, nn/vision-stem.ts)
 *   image: tiles assembled into the anyres grid, unpadded, downsampled above anyres_max, a newline per row
 *   video: every frame's n^2 tokens in order, ONE newline after the last frame
 */
import { resizeBilinear } from '../nn/interpolate.js';
import { stemInput } from '../nn/vision-stem.js';
import { ops, type Tensor } from '../tensor/index.js';
import { patchesPerSide } from './config.js';
import type { HaploOmni } from './haploomni.js';
import { imageFeatureGeometry, type MediaTokenCounts } from './processor.js';

/** One image, already tiled by the processor (anyres: resize with aspect kept, centre-pad, row-major tiles). */
export interface ImageInput {
  /** [gridRows * gridCols, 3, S, S], CLIP-normalised, S = the tile size */
  tiles: Tensor;
  /** original [height, width] of the image (decides the grid and the unpadding) */
  size: readonly [number, number];
}

/** One video: frames squash-resized to S x S and CLIP-normalised. */
export interface VideoInput {
  /** [frames, 3, S, S] */
  frames: Tensor;
}

function checkPixels(t: Tensor, S: number, what: string): void {
  if (t.rank !== 4 || t.shape[1] !== 3 || t.shape[2] !== S || t.shape[3] !== S) {
    throw new Error(`${what}: expected pixels [count, 3, ${S}, ${S}], got [${t.shape.join(', ')}]`);
  }
}

/**
 * Patch tokens of tiles/frames [N, 3, S, S] -> [N, n^2, Dpre] (row-major patches + pre_pos_embed).
 * `still`: the items are image tiles, not consecutive frames (the vision stem sees no motion).
 */
export function patchTokens(model: HaploOmni, pixels: Tensor, still: boolean): Tensor {
  const m = model.model;
  const [count] = pixels.shape;
  const dim = m.pre_pos_embed.shape[2], n2 = m.pre_pos_embed.shape[1];
  let conv = m.patch_embed.proj.forward(pixels); // [N, D, n, n]
  if (m.vision_stem) conv = ops.add(conv, m.vision_stem.forward(stemInput(pixels, still)));
  const tokens = ops.permute(ops.reshape(conv, [count, dim, n2]), [0, 2, 1]);
  return ops.add(tokens, m.pre_pos_embed);
}

/** Feature tokens of one image: [rows * (cols + 1), Dpre] (reference §7.1, step 4). */
export function imageFeatures(model: HaploOmni, image: ImageInput, index = 0): Tensor {
  const c = model.config, S = c.pre_config.default_image_size, n = patchesPerSide(c);
  checkPixels(image.tiles, S, `image ${index}`);
  const g = imageFeatureGeometry(image.size, c);
  const [gh, gw] = g.grid;
  if (image.tiles.shape[0] !== gh * gw) {
    throw new Error(`image ${index}: an image of size [${image.size.join(', ')}] needs a ${gh} x ${gw} anyres grid (${gh * gw} tiles), got ${image.tiles.shape[0]} tiles`);
  }
  const tokens = patchTokens(model, image.tiles, true);
  const dim = tokens.shape[2];
  // [gh, gw, n, n, D] -> [gh, n, gw, n, D] -> one (gh n) x (gw n) map
  const grid = ops.reshape(ops.permute(ops.reshape(tokens, [gh, gw, n, n, dim]), [0, 2, 1, 3, 4]), [gh * n, gw * n, dim]);
  const [r0, r1, c0, c1] = g.box;
  let map = ops.slice(ops.slice(grid, 0, r0, r1), 1, c0, c1);
  if (g.downsampled) map = resizeBilinear(map, g.rows, g.cols);
  const newline = ops.expand(ops.reshape(model.model.image_newline, [1, 1, dim]), [g.rows, 1, dim]);
  return ops.reshape(ops.concat([map, newline], 1), [g.rows * (g.cols + 1), dim]);
}

/** Feature tokens of one video: [frames * n^2 + 1, Dpre] (reference §7.2). */
export function videoFeatures(model: HaploOmni, video: VideoInput, index = 0): Tensor {
  const c = model.config, S = c.pre_config.default_image_size;
  checkPixels(video.frames, S, `video ${index}`);
  const tokens = patchTokens(model, video.frames, false);
  const [frames, n2, dim] = tokens.shape;
  return ops.concat([ops.reshape(tokens, [frames * n2, dim]), ops.reshape(model.model.image_newline, [1, dim])], 0);
}

/** Token ids with their visual inputs: the understanding side of a batch. */
export interface MultimodalIds {
  /** [batch, length] row-major */
  ids: Int32Array;
  batch: number;
  length: number;
  /** images in placeholder order over the batch (row-major) */
  images?: readonly ImageInput[];
  videos?: readonly VideoInput[];
}

/** What embedding produced: the embeddings, which rows are visual, and each media item's token count. */
export interface MultimodalEmbedding {
  /** [B, T, Dpre], before pre_norm */
  embeds: Tensor;
  /** [B * T], 1 where the row is an image/video feature */
  visualRows: Uint8Array;
  counts: MediaTokenCounts;
}

/**
 * inputs_embeds: embed_tokens rows, with image features scattered in order into the `<image>`
 * positions and video features into the `<video>` positions. Placeholder ids are looked up as id 0
 * (their rows are replaced), so placeholder ids outside the vocabulary are fine.
 */
export function embedMultimodal(model: HaploOmni, input: MultimodalIds): MultimodalEmbedding {
  const c = model.config;
  const { ids, batch, length } = input;
  if (ids.length !== batch * length) throw new Error(`input ids: ${ids.length} ids do not fill [${batch}, ${length}]`);
  const images = input.images ?? [], videos = input.videos ?? [];
  const imageFeats = images.map((im, i) => imageFeatures(model, im, i));
  const videoFeats = videos.map((v, i) => videoFeatures(model, v, i));
  const counts = { images: imageFeats.map((f) => f.shape[0]), videos: videoFeats.map((f) => f.shape[0]) };

  const lookup = new Int32Array(ids.length), visualRows = new Uint8Array(ids.length);
  const rows = batch * length;
  const gather = new Int32Array(rows);
  const totalImage = counts.images.reduce((a, b) => a + b, 0), totalVideo = counts.videos.reduce((a, b) => a + b, 0);
  let image = 0, video = 0;
  for (let r = 0; r < rows; r++) {
    const id = ids[r];
    if (id === c.image_token_index) {
      gather[r] = rows + image++;
      visualRows[r] = 1;
    } else if (id === c.video_token_index) {
      gather[r] = rows + totalImage + video++;
      visualRows[r] = 1;
    } else {
      if (id < 0 || id >= c.vocab_size) throw new Error(`token id ${id} at row ${Math.floor(r / length)}, position ${r % length} is outside the vocabulary [0, ${c.vocab_size})`);
      lookup[r] = id;
      gather[r] = r;
    }
  }
  if (image !== totalImage) {
    throw new Error(`the input ids hold ${image} <image> placeholders (token ${c.image_token_index}) but the ${images.length} images give ${totalImage} feature tokens (${counts.images.join(' + ') || 'none'})`);
  }
  if (video !== totalVideo) {
    throw new Error(`the input ids hold ${video} <video> placeholders (token ${c.video_token_index}) but the ${videos.length} videos give ${totalVideo} feature tokens (${counts.videos.join(' + ') || 'none'})`);
  }
  const text = model.model.embed_tokens.forward(lookup, [rows]);
  const all = image + video > 0 ? ops.concat([text, ...imageFeats, ...videoFeats], 0) : text;
  const embeds = ops.reshape(image + video > 0 ? ops.indexSelect(all, 0, gather) : all, [batch, length, text.shape[1]]);
  return { embeds, visualRows, counts };
}
