/**
 * Pictures -> model inputs, the one path shared by training, `ask`, `eval` and the demo, so a model
 * always sees pixels prepared the way it was trained on them.
 *
 *   video: sample `frames` frames uniformly (reference: np.linspace over the clip), squash-resize each
 *          to the vision tile S x S, CLIP-normalise -> VideoInput [frames, 3, S, S]
 *   image: anyres (LLaVA-OneVision): pick the best grid resolution, resize with aspect kept, centre-pad
 *          with 0 after CLIP normalisation (the mean colour), cut row-major S x S tiles -> ImageInput
 */
import {
  clipNormalize, resizeVideo, sampleFramesUniformly, makeVideo, type RgbVideo,
} from '../data/index.js';
import type { HaploOmniConfig } from '../model/config.js';
import { anyresLayout } from '../model/processor.js';
import type { ImageInput, VideoInput } from '../model/visual.js';
import { fromBuffer } from '../tensor/index.js';

/** Frames a video question shows the model by default (uniformly sampled from the clip). */
export const UNDERSTANDING_FRAMES = 5;

/** A video as the vision path takes it: `frames` uniformly sampled frames at the tile size. */
export function videoForModel(video: RgbVideo, config: HaploOmniConfig, frames = UNDERSTANDING_FRAMES): VideoInput {
  if (!Number.isInteger(frames) || frames < 1) throw new Error(`frames per video must be a positive integer, got ${frames}`);
  const S = config.pre_config.default_image_size;
  const picked = video.frameCount === frames ? video : sampleFramesUniformly(video, Math.min(frames, video.frameCount));
  const sized = picked.height === S && picked.width === S ? picked : resizeVideo(picked, S, S);
  return { frames: fromBuffer(clipNormalize(sized), [sized.frameCount, 3, S, S]) };
}

/** A still image as anyres tiles (a one-frame video is accepted; its first frame is used). */
export function imageForModel(image: RgbVideo, config: HaploOmniConfig): ImageInput {
  const S = config.pre_config.default_image_size;
  const first = image.frameCount === 1 ? image : makeVideo(image.frames.slice(0, image.height * image.width * 3), 1, image.height, image.width);
  const layout = anyresLayout([first.height, first.width], config);
  const [rh, rw] = layout.resized, [th, tw] = layout.target;
  const resized = rh === first.height && rw === first.width ? first : resizeVideo(first, rh, rw);
  const pixels = clipNormalize(resized); // [1, 3, rh, rw]
  const [rows, cols] = layout.grid;
  const tiles = new Float32Array(rows * cols * 3 * S * S); // zeros = the CLIP mean, i.e. the padding
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < rh; y++) {
      const ty = y + layout.padTop, tr = Math.floor(ty / S), py = ty % S;
      for (let x = 0; x < rw; x++) {
        const tx = x + layout.padLeft, tc = Math.floor(tx / S), px = tx % S;
        tiles[(((tr * cols + tc) * 3 + c) * S + py) * S + px] = pixels[(c * rh + y) * rw + x];
      }
    }
  }
  if (th !== rows * S || tw !== cols * S) throw new Error(`anyres layout ${th}x${tw} is not a ${rows}x${cols} grid of ${S}-pixel tiles`);
  return { tiles: fromBuffer(tiles, [rows * cols, 3, S, S]), size: [first.height, first.width] };
}
