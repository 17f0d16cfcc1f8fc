/**
 * Collation: examples -> the tensors the losses take.
 *
 * Understanding: each conversation is tokenised with the chat template (labels only on assistant
 * answers and their <|im_end|>), its media placeholder expanded to the media's token count (labels -100
 * there), and rows are left-padded as at inference (pads: id pad, mask 0, label -100).
 * Generation: clips are encoded by the VAE to scaled latents [B, F', C, h, w] (posterior mean) and
 * captions rendered with the generation template, left-padded.
 */
import {
  buildGenerationPrompt, buildUnderstandingExample, leftPad, IGNORE_INDEX, type HaploTokenizer,
} from '../data/index.js';
import { LATENT_PATCH, type HaploOmniConfig } from '../model/config.js';
import type { UnderstandingBatch } from '../model/losses.js';
import { imageTokenCount, videoTokenCount } from '../model/processor.js';
import type { ImageInput, VideoInput } from '../model/visual.js';
import { imageForModel, videoForModel } from '../pipeline/inputs.js';
import { noGrad, type Tensor } from '../tensor/index.js';
import type { VideoVae } from '../vae/index.js';
import type { GenerationDraw, UnderstandingDraw } from './shapes-source.js';

/** Tokens, labels and media of one conversation, placeholders expanded. */
interface ExpandedConversation {
  ids: number[];
  labels: number[];
  image?: ImageInput;
  video?: VideoInput;
}

function expandConversation(draw: UnderstandingDraw, tokenizer: HaploTokenizer, config: HaploOmniConfig, frames: number): ExpandedConversation {
  const conv = buildUnderstandingExample(tokenizer, { turns: draw.turns, media: draw.media });
  const out: ExpandedConversation = { ids: [], labels: [] };
  let mediaTokens: number;
  if (draw.media === 'image') {
    out.image = imageForModel(draw.sample, config);
    mediaTokens = imageTokenCount([draw.sample.height, draw.sample.width], config);
  } else {
    out.video = videoForModel(draw.sample, config, frames);
    mediaTokens = videoTokenCount(out.video.frames.shape[0], config);
  }
  conv.inputIds.forEach((id, i) => {
    const placeholder = id === config.image_token_index || id === config.video_token_index;
    const n = placeholder ? mediaTokens : 1;
    for (let k = 0; k < n; k++) {
      out.ids.push(id);
      out.labels.push(placeholder ? IGNORE_INDEX : conv.labels[i]);
    }
  });
  return out;
}

/**
 * Left-pads expanded conversations into one batch with their media, plus the count of labels the
 * next-token loss scores (every label but a row's first, which no position predicts).
 */
function padConversations(rows: readonly ExpandedConversation[], padId: number): { batch: UnderstandingBatch; targets: number } {
  const length = Math.max(...rows.map((r) => r.ids.length));
  const B = rows.length;
  const ids = new Int32Array(B * length).fill(padId), labels = new Int32Array(B * length).fill(IGNORE_INDEX), attentionMask = new Uint8Array(B * length);
  let targets = 0;
  rows.forEach((r, b) => {
    const at = b * length + length - r.ids.length;
    ids.set(r.ids, at);
    labels.set(r.labels, at);
    attentionMask.fill(1, at, at + r.ids.length);
    for (let j = 1; j < r.labels.length; j++) targets += Number(r.labels[j] !== IGNORE_INDEX);
  });
  const images = rows.flatMap((r) => (r.image ? [r.image] : []));
  const videos = rows.flatMap((r) => (r.video ? [r.video] : []));
  return { batch: { ids, batch: B, length, attentionMask, labels, images, videos }, targets };
}

/**
 * Rows whose cost equals running one more group (a forward and backward more of every op, mostly
 * JavaScript and kernel-call overhead at the tiny preset's sizes).
 */
export const GROUP_COST_ROWS = 150;

/**
 * Splits rows of the given lengths into groups padded separately: contiguous runs of the rows sorted
 * by length that minimise  sum over groups of (rows x longest row + groupCost), by dynamic
 * programming. Returns row indices per group, shortest group first.
 */
export function lengthGroups(lengths: readonly number[], groupCost: number = GROUP_COST_ROWS): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const n = order.length, best = new Float64Array(n + 1).fill(Infinity), from = new Int32Array(n + 1);
  best[0] = 0;
  for (let j = 1; j <= n; j++) {
    for (let i = 0; i < j; i++) {
      const cost = best[i] + (j - i) * lengths[order[j - 1]] + groupCost;
      if (cost < best[j]) { best[j] = cost; from[j] = i; }
    }
  }
  const groups: number[][] = [];
  for (let j = n; j > 0; j = from[j]) groups.unshift(order.slice(from[j], j));
  return groups;
}

/**
 * An understanding micro-batch as batches of similar lengths (lengthGroups), each with its count of
 * labelled tokens. Padding every conversation to the longest of the micro-batch left 30% of the
 * rows as padding at the default mix (6 conversations of 1..12 turns: lengths 120..396 tokens).
 */
export function understandingBatches(draws: readonly UnderstandingDraw[], tokenizer: HaploTokenizer, config: HaploOmniConfig,
  frames: number, groupCost: number = GROUP_COST_ROWS): { batch: UnderstandingBatch; targets: number }[] {
  const rows = draws.map((d) => expandConversation(d, tokenizer, config, frames));
  return lengthGroups(rows.map((r) => r.ids.length), groupCost).map((g) => padConversations(g.map((i) => rows[i]), tokenizer.padId));
}

/** A generation batch: scaled VAE latents and the left-padded prompt ids/mask [B, S]. */
export interface GenerationBatch {
  latents: Tensor;
  textIds: Int32Array;
  textMask: Uint8Array;
  /** time + latent tokens of one noise draw (with the padded text, for throughput) */
  noiseTokens: number;
}

export function generationBatch(draws: readonly GenerationDraw[], tokenizer: HaploTokenizer, vae: VideoVae): GenerationBatch {
  const latents = noGrad(() => vae.encodeVideos(draws.map((d) => d.sample)));
  const padded = leftPad(draws.map((d) => buildGenerationPrompt(tokenizer, d.prompt).ids), tokenizer.padId);
  const textIds = Int32Array.from(padded.ids.flat()), textMask = Uint8Array.from(padded.attentionMask.flat());
  const [, F, , h, w] = latents.shape;
  const noiseTokens = 1 + (F * h * w) / (LATENT_PATCH * LATENT_PATCH);
  return { latents, textIds, textMask, noiseTokens };
}
