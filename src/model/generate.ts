/**
 * Understanding inference: autoregressive decoding with a KV cache (reference §7.3).
 *
 * Prompts are left-padded to one length and prefilled in one forward that also fills a per-layer
 * cache [B, capacity, kvHeads, headDim]; every next token then runs alone, writing its keys/values at
 * the next cache row and attending over the rows so far (padding columns blocked). Positions come
 * from the cumulative sum of the attention mask, as transformers computes them. Token choice per row:
 * repetition penalty, then greedy (temperature 0) or temperature / top-k / top-p sampling from a
 * seeded generator.
 */
import { noGrad, ops, Rng, tidy, type Mask, type Tensor } from '../tensor/index.js';
import { padId, type UnderstandingMaskMode } from './config.js';
import { disposeKVCache, type HaploOmni, type KVCache } from './haploomni.js';
import { understandingMask } from './masks.js';
import { shiftStep } from './token-shift.js';
import { prepareUnderstanding, type UnderstandingInput } from './understanding.js';
import type { ImageInput, VideoInput } from './visual.js';

/** One prompt: token ids with its placeholders already expanded (processor.expandPlaceholders), and its media. */
export interface PromptInput {
  ids: readonly number[] | Int32Array;
  images?: readonly ImageInput[];
  videos?: readonly VideoInput[];
}

export interface GenerateOptions {
  /** most tokens generated per prompt (default 64) */
  maxNewTokens?: number;
  /** 0 = greedy (default); > 0 samples from softmax(logits / temperature) */
  temperature?: number;
  /** keep only the k most likely tokens when sampling (0 = off) */
  topK?: number;
  /** keep the smallest set of most likely tokens whose probability reaches p when sampling (1 = off) */
  topP?: number;
  /** transformers' repetition penalty over prompt and generated tokens: logit / p if positive, * p if negative (1 = off) */
  repetitionPenalty?: number;
  /** tokens that end a row (default: eos_token_id); the stop token itself is not returned */
  stopTokens?: readonly number[];
  /** sampling seed (default 0) */
  seed?: number;
  /** streaming: called once per generated (non-stop) token, in order */
  onToken?: (row: number, token: number) => void;
  /** raw next-token logits [B, V] of every step (before penalties); freed after the call */
  onLogits?: (step: number, logits: Tensor) => void;
  /** default: config.understanding_mask */
  mask?: UnderstandingMaskMode;
}

export interface GenerateResult {
  /** generated tokens per prompt, without the stop token */
  tokens: number[][];
  finishReasons: ('stop' | 'length')[];
}

/** Left-pads prompts into one understanding batch (media in row order). */
export function promptBatch(model: HaploOmni, prompts: readonly PromptInput[]): UnderstandingInput {
  if (prompts.length === 0) throw new Error('generate needs at least one prompt');
  const batch = prompts.length, length = Math.max(...prompts.map((p) => p.ids.length));
  if (length === 0) throw new Error('every prompt is empty');
  const ids = new Int32Array(batch * length).fill(padId(model.config)), attentionMask = new Uint8Array(batch * length);
  prompts.forEach((p, b) => {
    if (p.ids.length === 0) throw new Error(`prompt ${b} is empty`);
    const at = b * length + length - p.ids.length;
    ids.set(p.ids, at);
    attentionMask.fill(1, at, at + p.ids.length);
  });
  return { ids, batch, length, attentionMask, images: prompts.flatMap((p) => p.images ?? []), videos: prompts.flatMap((p) => p.videos ?? []) };
}

function checkOptions(o: GenerateOptions): void {
  const bad = (what: string) => { throw new Error(`generate: ${what}`); };
  if (o.maxNewTokens !== undefined && (!Number.isInteger(o.maxNewTokens) || o.maxNewTokens < 0)) bad(`maxNewTokens must be a non-negative integer, got ${o.maxNewTokens}`);
  if (o.temperature !== undefined && !(o.temperature >= 0)) bad(`temperature must be >= 0, got ${o.temperature}`);
  if (o.topK !== undefined && (!Number.isInteger(o.topK) || o.topK < 0)) bad(`topK must be a non-negative integer, got ${o.topK}`);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) bad(`topP must be in (0, 1], got ${o.topP}`);
  if (o.repetitionPenalty !== undefined && !(o.repetitionPenalty > 0)) bad(`repetitionPenalty must be > 0, got ${o.repetitionPenalty}`);
}

/** Generates continuations of the prompts (no gradients). */
export function generate(model: HaploOmni, prompts: readonly PromptInput[], opts: GenerateOptions = {}): GenerateResult {
  checkOptions(opts);
  const c = model.config;
  const input = promptBatch(model, prompts);
  const { batch: B, length: T0 } = input;
  const maxNew = opts.maxNewTokens ?? 64;
  const stop = new Set(opts.stopTokens ?? (c.eos_token_id !== null ? [c.eos_token_id] : []));
  const rng = new Rng(opts.seed ?? 0);
  const tokens: number[][] = prompts.map(() => []);
  const finishReasons: ('stop' | 'length')[] = prompts.map(() => 'length');
  const done = new Array<boolean>(B).fill(false);
  const seen = prompts.map((p) => new Set<number>(p.ids)); // for the repetition penalty
  if (maxNew === 0) return { tokens, finishReasons };

  const capacity = T0 + maxNew;
  const cache = model.createKVCache(B, capacity);
  // Masks and positions of everything in the cache so far, extended by one column per step.
  const keyMask = new Uint8Array(B * capacity), startIds = new Int32Array(B * capacity);
  const lastPosition = new Int32Array(B);
  try {
    noGrad(() => {
      let { logits, lastEmbed } = tidy(() => {
        const prepared = prepareUnderstanding(model, input, { mask: opts.mask });
        const post = model.decode(prepared.hidden, { mask: prepared.mask, positions: prepared.positions, ropeBatch: B, cache, offset: 0 });
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < T0; j++) {
            keyMask[b * capacity + j] = input.attentionMask![b * T0 + j];
            startIds[b * capacity + j] = prepared.startIds ? prepared.startIds[b * T0 + j] : j;
          }
          lastPosition[b] = prepared.positions[b * T0 + T0 - 1];
        }
        return { logits: model.textHead(ops.slice(post, 1, T0 - 1, T0)).logits, lastEmbed: ops.slice(prepared.embeds, 1, T0 - 1, T0) };
      });
      const intended = (opts.mask ?? c.understanding_mask) === 'intended';
      for (let step = 0; step < maxNew; step++) {
        opts.onLogits?.(step, logits);
        const next = new Int32Array(B).fill(padId(c));
        for (let b = 0; b < B; b++) {
          if (done[b]) continue;
          const token = chooseToken(logits.data.subarray(b * c.vocab_size, (b + 1) * c.vocab_size), seen[b], opts, rng);
          if (stop.has(token)) {
            done[b] = true;
            finishReasons[b] = 'stop';
            continue;
          }
          tokens[b].push(token);
          seen[b].add(token);
          next[b] = token;
          opts.onToken?.(b, token);
        }
        logits.dispose();
        if (done.every(Boolean) || step === maxNew - 1) break;
        const at = T0 + step;
        for (let b = 0; b < B; b++) {
          keyMask[b * capacity + at] = 1;
          startIds[b * capacity + at] = at;
          lastPosition[b]++;
        }
        const stepOut = tidy(() => decodeStep(model, next, lastEmbed, at, lastPosition, cache, understandingMask({
          batch: B, keys: at + 1, queryStart: at, queries: 1,
          keyMask: sliceColumns(keyMask, B, capacity, at + 1), startIds: intended ? sliceColumns(startIds, B, capacity, at + 1) : null,
        })));
        lastEmbed.dispose();
        ({ logits, lastEmbed } = stepOut);
      }
      lastEmbed.dispose();
    });
  } finally {
    disposeKVCache(cache);
  }
  return { tokens, finishReasons };
}

/**
 * One new text token per row at cache row `at`: logits [B, 1, V], and the token's raw embedding
 * [B, 1, Dpre], which the token shift adds to the next row (`previous` is the row before's).
 */
function decodeStep(model: HaploOmni, ids: Int32Array, previous: Tensor, at: number, positions: Int32Array, cache: KVCache, mask: Mask): { logits: Tensor; lastEmbed: Tensor } {
  const B = ids.length, gate = model.model.token_shift;
  const embeds = model.model.embed_tokens.forward(ids, [B, 1]);
  const hidden = model.model.pre_norm.forward(gate ? shiftStep(embeds, previous, gate) : embeds);
  const post = model.decode(hidden, { mask, positions: Int32Array.from(positions), ropeBatch: B, cache, offset: at });
  return { logits: model.textHead(post).logits, lastEmbed: embeds };
}

/** The first `cols` columns of each of `rows` rows of a [rows, stride] array. */
function sliceColumns<T extends Uint8Array | Int32Array>(a: T, rows: number, stride: number, cols: number): T {
  const out = new (a.constructor as new (n: number) => T)(rows * cols);
  for (let r = 0; r < rows; r++) out.set(a.subarray(r * stride, r * stride + cols), r * cols);
  return out;
}

/** Picks the next token of one row from its logits. */
export function chooseToken(logits: Float32Array, seen: ReadonlySet<number>, opts: GenerateOptions, rng: Rng): number {
  const scores = Float64Array.from(logits);
  const penalty = opts.repetitionPenalty ?? 1;
  if (penalty !== 1) for (const t of seen) if (t >= 0 && t < scores.length) scores[t] = scores[t] > 0 ? scores[t] / penalty : scores[t] * penalty;
  const temperature = opts.temperature ?? 0;
  if (temperature === 0) return argmax(scores);
  const order = [...scores.keys()].sort((a, b) => scores[b] - scores[a]);
  let keep = order.length;
  const topK = opts.topK ?? 0;
  if (topK > 0) keep = Math.min(keep, topK);
  const max = scores[order[0]] / temperature;
  const probs = order.slice(0, keep).map((t) => Math.exp(scores[t] / temperature - max));
  let total = probs.reduce((a, b) => a + b, 0);
  const topP = opts.topP ?? 1;
  if (topP < 1) {
    // The smallest prefix (most likely first) whose probability reaches topP; at least one token.
    let cum = 0, n = 0;
    while (n < probs.length && (n === 0 || cum / total < topP)) cum += probs[n++];
    probs.length = n;
    total = cum;
  }
  let u = rng.uniform(1)[0] * total;
  for (let i = 0; i < probs.length; i++) {
    u -= probs[i];
    if (u < 0) return order[i];
  }
  return order[probs.length - 1];
}

function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}
