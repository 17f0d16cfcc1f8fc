/** VAE training: exact resume, non-finite loss handling, CLI errors (tiny configs, js-fast). */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runTrainVae } from '../../src/cli/train-vae.js';
import { AdamW, ops, Rng, randn } from '../../src/tensor/index.js';
import { readMetrics } from '../../src/train/metrics.js';
import { vaeConfig } from '../../src/vae/config.js';
import { loadVae } from '../../src/vae/io.js';
import { trainStep, trainVae, type TrainIo, type VaeTrainOptions } from '../../src/vae/train.js';
import { VideoVae } from '../../src/vae/vae.js';

const OPTIONS: VaeTrainOptions = {
  steps: 4, batch: 1, lr: 2e-3, minLr: 1e-4, warmup: 1, weightDecay: 0.01, maxGradNorm: 1, klWeight: 1e-3, loss: 'l1',
  seed: 3, frames: 5, size: 16, channels: 8, latentChannels: 4, spatialFactor: 4, normGroups: 8, checkpointEvery: 2, logEvery: 1,
  evalVideos: 1, statsVideos: 2, shift: false, init: null, freezeEncoder: false,
};
const quiet: TrainIo = { log: () => {}, stream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };

const tmpDirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'vae-train-'));
  tmpDirs.push(d);
  return d;
};
after(() => { for (const d of tmpDirs) rmSync(d, { recursive: true, force: true }); });

/** Captures what fn writes to stderr. */
async function stderrOf(fn: () => Promise<number>): Promise<{ code: number; text: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array) => { text += String(chunk); return true; }) as typeof process.stderr.write;
  try {
    return { code: await fn(), text };
  } finally {
    process.stderr.write = write;
  }
}

describe('VAE training', () => {
  it('a run resumed from its step-2 checkpoint ends with the same weights and losses as an uninterrupted one', () => {
    const straight = tmp(), resumed = tmp();
    const a = trainVae(straight, OPTIONS, false, quiet);
    trainVae(resumed, { ...OPTIONS, steps: 2 }, false, quiet);
    // Resume keeps the checkpoint's options (the lr given here is ignored) except the step count.
    const c = trainVae(resumed, { ...OPTIONS, lr: 1 }, true, quiet);
    assert.equal(c.steps, 4);
    assert.deepEqual(readFileSync(path.join(resumed, 'model.safetensors')), readFileSync(path.join(straight, 'model.safetensors')));
    const losses = (dir: string) => readMetrics(path.join(dir, 'metrics.jsonl')).filter((r) => 'loss' in r).map((r) => [r.step, r.loss]);
    assert.deepEqual(losses(resumed), losses(straight));
    assert.equal(c.testPsnr, a.testPsnr);
    const summary = JSON.parse(readFileSync(path.join(straight, 'summary.json'), 'utf8')) as Record<string, number>;
    assert.ok(Number.isFinite(summary.test_psnr_db) && summary.train_seconds > 0 && summary.steps === 4);
    const vae = loadVae(straight);
    assert.ok(Math.abs(vae.config.scaling_factor - a.scalingFactor) < 1e-9 && a.scalingFactor > 0);
  });

  it('decoder-only fine-tuning keeps the encoder and scaling factor bit for bit and changes the decoder', () => {
    const base = tmp(), tuned = tmp();
    trainVae(base, { ...OPTIONS, steps: 2 }, false, quiet);
    trainVae(tuned, { ...OPTIONS, steps: 2, init: base, freezeEncoder: true }, false, quiet);
    const a = loadVae(base), b = loadVae(tuned);
    assert.equal(b.config.scaling_factor, a.config.scaling_factor);
    const params = (v: VideoVae, part: 'encoder' | 'decoder') => v[part].namedParameters().map(([, t]) => t.data);
    assert.deepEqual(params(b, 'encoder'), params(a, 'encoder'));
    assert.notDeepEqual(params(b, 'decoder'), params(a, 'decoder'));
  });

  it('a non-finite loss skips the update and reports it', () => {
    const vae = new VideoVae(vaeConfig({ base_channels: 8, latent_channels: 4 }), 1);
    const opt = new AdamW(vae.parameters(), { lr: 1e-2 });
    const before = vae.parameters().map((p) => p.data.slice());
    const x = ops.scale(randn([1, 5, 3, 16, 16], new Rng(1)), 0.5);
    x.data[7] = NaN;
    assert.equal(trainStep(vae, opt, x, new Rng(2), { loss: 'l1', klWeight: 1e-3, maxGradNorm: 1 }), null);
    vae.parameters().forEach((p, i) => assert.deepEqual(p.data, before[i]));
    assert.ok(vae.parameters().every((p) => p.grad === null), 'gradients are cleared');
  });
});

describe('haploomni train-vae CLI', () => {
  it('bad arguments give one-line errors and exit code 2', async () => {
    for (const [argv, pattern] of [
      [['--frames', '8'], /--frames must be 4k\+1/],
      [['--steps', '0'], /--steps must be a positive integer, got 0/],
      [['--size', '18'], /--size must be at least 16 and a multiple of --spatial-factor 4, got 18/],
      [['--spatial-factor', '3'], /--spatial-factor: spatial compression must be 2, 4, ... up to 32 .*, got 3/],
      [['--lr', 'fast'], /--lr needs a number, got 'fast'/],
      [['--loss', 'l3'], /--loss must be one of l1, mse/],
      [['--wat'], /unknown option --wat/],
    ] as const) {
      const { code, text } = await stderrOf(() => runTrainVae([...argv]));
      assert.equal(code, 2, argv.join(' '));
      assert.match(text, pattern);
      assert.equal(text.trim().split('\n').length, 1, `one line: ${text}`);
    }
  });
  it('--resume without a checkpoint fails clearly; --help exits 0', async () => {
    const dir = tmp();
    const { code, text } = await stderrOf(() => runTrainVae(['--out', dir, '--resume']));
    assert.equal(code, 1);
    assert.match(text, /--resume: no checkpoint at .*checkpoint\.safetensors/);
    const log = console.log;
    console.log = () => {};
    try { assert.equal(await runTrainVae(['--help']), 0); } finally { console.log = log; }
    assert.ok(!existsSync(path.join(dir, 'model.safetensors')));
  });
});
