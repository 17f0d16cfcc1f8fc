/**
 * A run killed with SIGKILL and resumed with --resume reaches exactly the losses of an uninterrupted
 * run (model, optimiser, RNG and data position all come back), on a small config through the real CLI,
 * across the end of the grounding phase, after a vision-stem warm-up; and a new run started from a
 * trained model folder (--init) starts from its weights.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../src/model/checkpoint.js';
import { configToJson } from '../../src/model/config.js';
import { presetConfig } from '../../src/model/presets.js';
import { readMetrics } from '../../src/train/metrics.js';
import { saveVae, vaeConfig, VideoVae } from '../../src/vae/index.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
let dir = '';
let common: string[] = [];

/** The tiny preset shrunk to a few hundred thousand parameters (same tokenizer, same 32x32 frames). */
function smallConfig(): unknown {
  const c = configToJson(presetConfig('tiny')) as Record<string, Record<string, unknown>>;
  const part = { hidden_size: 32, intermediate_size: 48, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1 };
  Object.assign(c.base_config, part);
  Object.assign(c.pre_config, part);
  Object.assign(c.post_config, { ...part, hidden_size: 32 });
  for (const k of Object.keys(part)) if (k in c) (c as Record<string, unknown>)[k] = (part as Record<string, unknown>)[k];
  (c as Record<string, unknown>).time_embed_dim = 32;
  return c;
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'haploomni-resume-'));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(smallConfig()));
  saveVae(new VideoVae(vaeConfig({ base_channels: 8, norm_groups: 4 }), 1), path.join(dir, 'vae'));
  common = ['--model', path.join(dir, 'config.json'), '--vae', path.join(dir, 'vae'), '--steps', '24', '--und-batch', '2', '--gen-batch', '2',
    '--frames', '5', '--und-frames', '3', '--warmup', '2', '--checkpoint-every', '5', '--log-every', '1',
    '--grounding-steps', '6', '--grounding-batch', '3', '--attr-phase-steps', '3', '--attr-batch', '2', '--vision-warmup-steps', '4', '--vision-warmup-batch', '2',
    '--gen-phase-steps', '3', '--gen-phase-und-batch', '1', '--gen-phase-gen-batch', '3'];
});
after(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'train', ...args], { encoding: 'utf8' });
const losses = (out: string) => readMetrics(path.join(out, 'metrics.jsonl')).map((r) => [r.step, r.loss_und, r.loss_gen, r.grad_norm, r.vision_warmup_loss]);

/** Starts `train args --out out`, kills it hard once it has logged step 8 (checkpoint at 5, later steps lost), resumes it. */
async function killAndResume(args: string[], out: string): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'train', ...args, '--out', out], { stdio: 'ignore' });
  const metrics = path.join(out, 'metrics.jsonl');
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (existsSync(metrics) && readFileSync(metrics, 'utf8').split('\n').filter(Boolean).length >= 8) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 20);
    child.on('exit', () => { clearInterval(timer); reject(new Error('the run ended before it could be killed')); });
  });
  await new Promise((resolve) => child.on('exit', resolve));
  const resumed = run([...args, '--out', out, '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming at step (5|10)\b/);
}

it('a run killed with SIGKILL and resumed gives the losses of an uninterrupted run', async () => {
  const whole = path.join(dir, 'whole'), killed = path.join(dir, 'killed');
  const r = run([...common, '--out', whole]);
  assert.equal(r.status, 0, r.stderr);
  const expected = losses(whole);
  assert.equal(expected.length, 25); // the vision warm-up's record at step 0, then 24 steps
  assert.ok(Number.isFinite(readMetrics(path.join(whole, 'metrics.jsonl'))[0].vision_warmup_loss));
  await killAndResume(common, killed);
  assert.deepEqual(losses(killed), expected);
});

it('--precision bf16 trains with bfloat16 products (losses near, not equal to, fp32) and resumes in bf16', async () => {
  const bf16 = [...common, '--precision', 'bf16'];
  const whole = path.join(dir, 'whole-bf16'), killed = path.join(dir, 'killed-bf16');
  const r = run([...bf16, '--out', whole]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /bf16 matrix products/);
  const got = losses(whole), fp32 = losses(path.join(dir, 'whole'));
  assert.deepEqual(got[0], fp32[0], 'the vision warm-up runs in fp32');
  const first = got[1][1] as number, firstFp32 = fp32[1][1] as number;
  assert.notEqual(first, firstFp32);
  assert.ok(Math.abs(first - firstFp32) < 0.01 * firstFp32, `step 1 understanding loss ${first} against ${firstFp32} in fp32`);
  await killAndResume(bf16, killed);
  assert.deepEqual(losses(killed), got);
});

it('--init starts a new run from a trained model folder: its weights, no warm-up; a missing folder or --resume is refused', () => {
  const whole = path.join(dir, 'whole'), from = path.join(dir, 'from-whole');
  // one step at a negligible learning rate: the new run's weights must be the folder's
  const r = run([...common, '--init', whole, '--steps', '1', '--gen-phase-steps', '0', '--attr-phase-steps', '0', '--lr', '1e-12', '--min-lr', '0', '--warmup', '0', '--out', from]);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /vision warm-up/);
  assert.match(r.stderr, /from the model in .*whole -> /);
  assert.deepEqual(readMetrics(path.join(from, 'metrics.jsonl')).map((m) => m.step), [1]);
  const a = loadModel(whole).namedParameters(), b = new Map(loadModel(from).namedParameters());
  assert.ok(a.length > 0);
  for (const [name, t] of a) {
    const u = b.get(name)!.data;
    let worst = 0;
    for (let i = 0; i < t.size; i++) worst = Math.max(worst, Math.abs(t.data[i] - u[i]));
    assert.ok(worst < 1e-6, `${name}: differs by ${worst}`);
  }
  const missing = run([...common, '--init', path.join(dir, 'nowhere'), '--out', path.join(dir, 'bad-init')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /--init .*nowhere: not a model folder \(no config\.json\)/);
  assert.equal(existsSync(path.join(dir, 'bad-init')), false);
  const both = run([...common, '--init', whole, '--resume', '--out', from]);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /--init starts a new run from a trained model and --resume continues a run/);
});

it('refuses to overwrite a run without --resume, and to resume where there is none', () => {
  const r = run([...common, '--out', path.join(dir, 'whole')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /already holds a run: pass --resume/);
  const none = run([...common, '--out', path.join(dir, 'nothing'), '--resume']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no checkpoint at .*start without --resume/);
});

it('rejects impossible options with one line naming the option by its flag', () => {
  for (const [args, pattern] of [
    [['--frames', '6'], /--frames must be 1 \+ a multiple of 4/],
    [['--und-batch', '0', '--gen-batch', '0'], /nothing to train on/],
    [['--train', 'pre,brain'], /unknown group 'brain'/],
    [['--lr', '-1'], /--lr must be positive/],
    [['--gen-single-share', '1.5'], /^haploomni train: --gen-single-share must be in \[0, 1\], got 1\.5$/m],
    [['--und-frames', '0'], /^haploomni train: --und-frames must be a positive integer, got 0$/m],
    [['--precision', 'fp16'], /--precision/],
    [['--steps', '100', '--gen-phase-steps', '80', '--attr-phase-steps', '30'], /^haploomni train: --steps must be at least the generation and attribute phases' 80 \+ 30, got 100$/m],
  ] as const) {
    const r = run([...args, '--out', path.join(dir, 'bad')]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});

it('refuses a vision stem that would keep its random weights (no warm-up, group vision_stem frozen)', () => {
  const r = run([...common, '--vision-warmup-steps', '0', '--out', path.join(dir, 'nostem')]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /vision stem but neither warms it up .* nor trains it/);
  assert.ok(!existsSync(path.join(dir, 'nostem')), 'nothing is written');
});

it('stops on a non-finite loss with a clear message and keeps the last good checkpoint', () => {
  const out = path.join(dir, 'diverge');
  const args = common.filter((_, i) => !['--steps', '--warmup', '--checkpoint-every'].includes(common[i]) && !['--steps', '--warmup', '--checkpoint-every'].includes(common[i - 1]));
  const r = run([...args, '--steps', '20', '--warmup', '0', '--checkpoint-every', '1', '--lr', '1e30', '--out', out]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /non-finite .*stopped without updating.*last good checkpoint/);
  assert.ok(existsSync(path.join(out, 'checkpoint.safetensors')), 'the last good checkpoint is kept');
});

it('noise draws that would overrun a clip\'s share of the diffusion random numbers are refused, naming the options', () => {
  const r = run([...common, '--gen-draws', '20', '--out', path.join(dir, 'too-many-draws')]);
  assert.notEqual(r.status, 0);
  assert.ok(!existsSync(path.join(dir, 'too-many-draws', 'checkpoint.safetensors')), 'refused before the vision warm-up wrote a checkpoint');
  assert.match(r.stderr, /20 noise draws of a clip's 1024 latent values need more than the 16376 random numbers each clip has; use at most 15 draws \(--gen-draws, --gen-phase-draws\)/);
});
