/**
 * Vision-stem warm-up (ours): before step 0 of a run whose model has a vision stem
 * (nn/vision-stem.ts), the stem's convolutions learn to tell the six shapes apart on still one-object
 * Shapes images; the main run then keeps them frozen (group 'vision_stem' is not in the default
 * trainGroups) and learns the zero-initialised projection that adds their features to the patch
 * tokens. The paper starts its pre-decoder from a pretrained ViT; this is the from-scratch stand-in
 * for our tiny model, about a minute on 2 cores.
 *
 *   logits = W mean_{y,x} stem.features(pixels)[:, :, y, x] + b     (W [6, c_L], b: a head used only here)
 *   loss   = CE(logits, shape)
 *
 * AdamW at a constant learning rate, no clipping. Measured on 32x32 stills, 16 per step, lr 1e-3:
 * loss 1.60 over steps 1-200, 0.56 over 600-800, 0.25 over 800-1000 (chance is ln 6 = 1.79); the tiny
 * model with the frozen warmed-up stem then learnt shape questions about videos (38-40% after 300
 * steps of 16) where it stayed at chance (18%) without it.
 */
import { shapesAnnotation, shapesSample, SHAPES } from '../data/index.js';
import type { HaploOmni } from '../model/haploomni.js';
import { videoForModel } from '../pipeline/inputs.js';
import { AdamW, ops, parameter, tidy } from '../tensor/index.js';

/** Train-split indices the warm-up scans for one-object scenes (apart from the main run's draws). */
const WARMUP_INDEX_BASE = 2_000_000_000;

export interface VisionWarmupOptions {
  steps: number;
  /** images per step */
  batch: number;
  lr: number;
  /** Shapes-world dataset seed */
  dataSeed: number;
}

export interface VisionWarmupResult {
  /** mean loss and shape accuracy over the last min(100, steps) steps */
  loss: number;
  accuracy: number;
}

/** Trains model.vision_stem.convs in place (see the file comment). `onLog` gets every 100th step's figures. */
export function warmUpVisionStem(model: HaploOmni, o: VisionWarmupOptions,
  onLog?: (step: number, loss: number, accuracy: number) => void): VisionWarmupResult {
  const stem = model.model.vision_stem;
  if (!stem) throw new Error('vision warm-up: the model has no vision_stem (config key vision_stem)');
  const convParams = stem.convs.parameters();
  const channels = stem.convs.items[stem.convs.items.length - 1].outChannels;
  const head = parameter(new Float32Array(SHAPES.length * channels), [SHAPES.length, channels], 'warmup_head.weight');
  const headBias = parameter(new Float32Array(SHAPES.length), [SHAPES.length], 'warmup_head.bias');
  const params = [...convParams, head, headBias];
  for (const t of params) t.requiresGrad = true;
  const opt = new AdamW(params, { lr: o.lr, weightDecay: 0.01 }, params.map((t) => t.rank >= 2));
  const window = Math.min(100, o.steps);
  let index = WARMUP_INDEX_BASE, lossSum = 0, correct = 0, seen = 0;
  const result: VisionWarmupResult = { loss: NaN, accuracy: NaN };
  for (let step = 1; step <= o.steps; step++) {
    const labels = new Int32Array(o.batch);
    const pixels = Array.from({ length: o.batch }, (_, b) => {
      while (shapesAnnotation('train', index, { frames: 1, seed: o.dataSeed }).scene.objects.length !== 1) index++;
      const sample = shapesSample('train', index++, { frames: 1, seed: o.dataSeed });
      labels[b] = SHAPES.indexOf(sample.scene.objects[0].shape);
      return videoForModel(sample, model.config, 1).frames;
    });
    opt.zeroGrad();
    const [loss, hits] = tidy(() => {
      const pooled = ops.mean(stem.features(ops.concat(pixels, 0)), [2, 3]);
      const logits = ops.linear(pooled, head, headBias);
      const l = ops.crossEntropy(logits, labels);
      l.backward();
      let h = 0;
      for (let b = 0; b < o.batch; b++) {
        const row = logits.data.subarray(b * SHAPES.length, (b + 1) * SHAPES.length);
        h += Number(row.indexOf(Math.max(...row)) === labels[b]);
      }
      return [l.data[0], h] as const;
    });
    for (const p of pixels) p.dispose();
    if (!Number.isFinite(loss)) throw new Error(`vision warm-up: non-finite loss at step ${step}; lower --vision-warmup-lr`);
    opt.update(1);
    if (step > o.steps - window) { lossSum += loss; correct += hits; seen += o.batch; }
    if (step % 100 === 0) onLog?.(step, loss, hits / o.batch);
  }
  opt.zeroGrad();
  for (const t of params) t.requiresGrad = false;
  if (seen) Object.assign(result, { loss: lossSum / window, accuracy: correct / seen });
  return result;
}
