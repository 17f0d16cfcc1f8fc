/**
 * Vision-stem warm-up (ours): before step 0 of a run whose model has a vision stem
 * (nn/vision-stem.ts), the stem's convolutions learn, on every cell of their last feature map, what
 * is there: the colour, shape, size and motion of the topmost object whose box holds the cell's centre,
 * or nothing. The examples are Shapes clips (and stills) as the model sees them, frames sampled the
 * same way. Then it sets the stem's standardisation (shift, scale) from the features of 64 more
 * clips. The main run keeps the convolutions frozen (group 'vision_stem' is not in the default
 * trainGroups) and learns the zero-initialised projection that adds their features to the patch
 * tokens. The paper starts its pre-decoder from a pretrained ViT; this is the from-scratch stand-in
 * for our tiny model: the default 1200 steps of 8 take about 40 seconds on 2 cores.
 *
 *   logits_cell = W h_L[:, :, y, x] + b                  (W [26, c_L], b: heads used only here)
 *   loss = mean over heads a in (colour 8 + none, shape 6, size 2, motion 9) of CE(logits_cell[a], label_cell[a])
 *
 * AdamW at a constant learning rate, no clipping. Every step draws fresh clips, so the figures of the
 * last steps are measured on clips the stem has not trained on.
 */
import { COLORS, MOTIONS, SHAPES, SIZES, shapesSample, type ShapesScene } from '../data/index.js';
import { uniformFrameIndices } from '../data/media/sample-frames.js';
import type { HaploOmni } from '../model/haploomni.js';
import { stemInput } from '../nn/vision-stem.js';
import { imageForModel, videoForModel } from '../pipeline/inputs.js';
import { AdamW, noGrad, ops, parameter, Rng, tidy, type Tensor } from '../tensor/index.js';

/** Train-split indices of the warm-up's clips (apart from the main run's draws). */
const WARMUP_INDEX_BASE = 2_000_000_000;
/** RNG stream of the still-or-clip draws. */
const WARMUP_STREAM = 3;

/**
 * The attributes each cell learns. 'color' also learns "no object" (its class 0; class k + 1 is the
 * k-th colour), so the stem learns where objects are; the others are learnt on object cells only
 * (class k = the k-th value, background cells ignored) so that the many background cells do not
 * drown them.
 */
export const WARMUP_HEADS = [
  { name: 'color', values: COLORS, background: true },
  { name: 'shape', values: SHAPES, background: false },
  { name: 'size', values: SIZES, background: false },
  { name: 'motion', values: MOTIONS, background: false },
] as const;
export type WarmupHead = (typeof WARMUP_HEADS)[number]['name'];
/** Label of a cell a head does not learn (crossEntropy's default ignore index). */
const IGNORED = -100;

export interface VisionWarmupOptions {
  steps: number;
  /** clips (or stills) per step */
  batch: number;
  lr: number;
  /** Shapes-world dataset seed */
  dataSeed: number;
  /** frames per Shapes clip, and frames the model sees of it */
  frames: number;
  understandingFrames: number;
  /** share of the examples that are still images */
  imageShare: number;
}

export interface VisionWarmupResult {
  /** mean loss over the last min(100, steps) steps */
  loss: number;
  /** per head, the share of object cells whose attribute was predicted right, over the same steps */
  accuracy: Record<WarmupHead, number>;
}

/**
 * The object seen by every cell of an m x m map over each listed frame of the scene, in the order
 * [frame, row, column]: the index of the topmost object (the last drawn) whose box centre +- radius
 * holds the cell's centre, or -1.
 */
export function cellObjects(scene: ShapesScene, frames: readonly number[], m: number): Int32Array {
  const out = new Int32Array(frames.length * m * m).fill(-1);
  frames.forEach((f, k) => {
    for (let i = 0; i < m; i++) {
      const y = ((i + 0.5) * scene.height) / m;
      for (let j = 0; j < m; j++) {
        const x = ((j + 0.5) * scene.width) / m;
        for (let t = scene.objects.length - 1; t >= 0; t--) {
          const o = scene.objects[t], [cx, cy] = o.positions[f];
          if (Math.abs(x - cx) <= o.radius && Math.abs(y - cy) <= o.radius) {
            out[(k * m + i) * m + j] = t;
            break;
          }
        }
      }
    }
  });
  return out;
}

/** A head's target for each cell given the object it sees (see WARMUP_HEADS). */
function headLabels(scene: ShapesScene, objects: Int32Array, a: number): Int32Array {
  const h = WARMUP_HEADS[a];
  const value = scene.objects.map((o) => (h.values as readonly string[]).indexOf(o[h.name]));
  return objects.map((t) => (t < 0 ? (h.background ? 0 : IGNORED) : value[t] + (h.background ? 1 : 0)));
}

/** Trains model.vision_stem.convs in place (see the file comment). `onLog` gets every 50th step's loss. */
export function warmUpVisionStem(model: HaploOmni, o: VisionWarmupOptions, onLog?: (step: number, loss: number) => void): VisionWarmupResult {
  const stem = model.model.vision_stem;
  if (!stem) throw new Error('vision warm-up: the model has no vision_stem (config key vision_stem)');
  const convParams = stem.convs.parameters();
  const channels = stem.convs.items[stem.convs.items.length - 1].outChannels;
  const classes = WARMUP_HEADS.map((h) => h.values.length + (h.background ? 1 : 0)), total = classes.reduce((a, b) => a + b, 0);
  const head = parameter(new Float32Array(total * channels), [total, channels], 'warmup_head.weight');
  const headBias = parameter(new Float32Array(total), [total], 'warmup_head.bias');
  const params = [...convParams, head, headBias];
  for (const t of params) t.requiresGrad = true;
  const opt = new AdamW(params, { lr: o.lr, weightDecay: 0.01 }, params.map((t) => t.rank >= 2));
  const rng = new Rng(o.dataSeed, WARMUP_STREAM);
  const m = model.config.pre_config.default_image_size / (model.config.pre_config.patch_size / stem.proj.kernel); // side of h_L
  const window = Math.min(100, o.steps);
  const hits = new Float64Array(WARMUP_HEADS.length), cells = new Float64Array(WARMUP_HEADS.length);
  let lossSum = 0;
  for (let step = 1; step <= o.steps; step++) {
    const still = rng.uniform(o.batch);
    const inputs: Tensor[] = [], labels: Int32Array[][] = [];
    for (let b = 0; b < o.batch; b++) {
      const isStill = still[b] < o.imageShare;
      const sample = shapesSample('train', WARMUP_INDEX_BASE + (step - 1) * o.batch + b, { frames: isStill ? 1 : o.frames, seed: o.dataSeed });
      const pixels = isStill ? imageForModel(sample, model.config).tiles : videoForModel(sample, model.config, o.understandingFrames).frames;
      if (isStill && pixels.shape[0] !== 1) throw new Error(`vision warm-up: a ${sample.width}x${sample.height} still must be one tile, got ${pixels.shape[0]}`);
      inputs.push(pixels);
      const objects = cellObjects(sample.scene, isStill ? [0] : uniformFrameIndices(sample.frameCount, o.understandingFrames), m);
      labels.push(WARMUP_HEADS.map((_, a) => headLabels(sample.scene, objects, a)));
    }
    const target = WARMUP_HEADS.map((_, a) => concatInt(labels.map((l) => l[a])));
    opt.zeroGrad();
    const loss = tidy(() => {
      const x = ops.concat(inputs.map((p, b) => stemInput(p, still[b] < o.imageShare)), 0);
      const h = stem.features(x); // [N, c, m, m]
      const rows = ops.reshape(ops.permute(h, [0, 2, 3, 1]), [h.shape[0] * m * m, channels]);
      const logits = ops.linear(rows, head, headBias);
      let from = 0, sum: Tensor | null = null;
      WARMUP_HEADS.forEach((hd, a) => {
        const part = ops.slice(logits, 1, from, from + classes[a]);
        const l = ops.crossEntropy(part, target[a], { ignoreIndex: IGNORED });
        sum = sum ? ops.add(sum, l) : l;
        if (step > o.steps - window) countHits(part, target[a], a, hd.background ? 1 : 0);
        from += classes[a];
      });
      const mean = ops.scale(sum!, 1 / WARMUP_HEADS.length);
      mean.backward();
      return mean.data[0];
    });
    for (const p of inputs) p.dispose();
    if (!Number.isFinite(loss)) throw new Error(`vision warm-up: non-finite loss at step ${step}; lower --vision-warmup-lr`);
    opt.update(1);
    if (step > o.steps - window) lossSum += loss;
    if (step % 50 === 0) onLog?.(step, loss);
  }
  opt.zeroGrad();
  for (const t of params) t.requiresGrad = false;
  standardise(model, o);
  return {
    loss: lossSum / window,
    accuracy: Object.fromEntries(WARMUP_HEADS.map((h, a) => [h.name, hits[a] / cells[a]])) as Record<WarmupHead, number>,
  };

  /** Object cells (label >= first) of head a, and those predicted right (argmax over its object classes). */
  function countHits(logits: Tensor, labels: Int32Array, a: number, first: number): void {
    const k = logits.shape[1], d = logits.data;
    for (let r = 0; r < labels.length; r++) {
      if (labels[r] < first) continue;
      let best = first;
      for (let c = first + 1; c < k; c++) if (d[r * k + c] > d[r * k + best]) best = c;
      cells[a]++;
      hits[a] += Number(best === labels[r]);
    }
  }
}

/** Examples whose features set the stem's standardisation (after its training; indices past those). */
const STATISTICS_CLIPS = 64;

/** The stem's shift and scale from the per-channel mean and standard deviation of h_L over STATISTICS_CLIPS clips. */
export function standardise(model: HaploOmni, o: VisionWarmupOptions): void {
  const stem = model.model.vision_stem!;
  const c = stem.shift.shape[0], sum = new Float64Array(c), sumSq = new Float64Array(c);
  let count = 0;
  for (let i = 0; i < STATISTICS_CLIPS; i++) {
    const sample = shapesSample('train', WARMUP_INDEX_BASE + o.steps * o.batch + i, { frames: o.frames, seed: o.dataSeed });
    const pixels = videoForModel(sample, model.config, o.understandingFrames).frames;
    noGrad(() => tidy(() => {
      const h = stem.features(stemInput(pixels)), d = h.data, cells = h.shape[2] * h.shape[3];
      for (let n = 0; n < h.shape[0]; n++) {
        for (let ch = 0; ch < c; ch++) {
          const at = (n * c + ch) * cells;
          for (let j = 0; j < cells; j++) { sum[ch] += d[at + j]; sumSq[ch] += d[at + j] ** 2; }
        }
      }
      count += h.shape[0] * cells;
    }));
    pixels.dispose();
  }
  for (let ch = 0; ch < c; ch++) {
    const mean = sum[ch] / count, variance = Math.max(0, sumSq[ch] / count - mean * mean);
    stem.shift.data[ch] = mean;
    stem.scale.data[ch] = 1 / Math.sqrt(variance + 1e-6);
  }
}

function concatInt(parts: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
