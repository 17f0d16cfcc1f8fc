/**
 * Engine benchmark: `npm run bench:engine [-- --json] [-- --only peak,matmul]`.
 *
 * In one run it measures this machine's fp32 FMA peak (1 thread and all threads, with the addon's
 * independent-FMA-chain probe), times our kernels on the workloads of the PyTorch peer
 * (../shared/peer/torch_step.py), runs the peer on the same workloads (after making sure it runs at its
 * best: PyTorch importable, libblas.so.3 pointing at OpenBLAS), and prints one table per workload —
 * shape | ours (median) | % of measured peak | torch | ours/torch — or, with --json, one JSON object
 * per line. Timing follows the peer's `timed`: two warm-up calls, calls batched to ~0.3 s per sample,
 * 7 samples, median (and best). A GEMM's % of peak is the median over its samples of the sample's rate
 * over the all-thread peak probed (100 ms) right before it: on a shared host the available FMA rate
 * drifts by 10-30% from one second to the next, so a GEMM median set against a peak taken minutes
 * earlier measures the host as much as the kernel.
 *
 * Workloads are entries of WORKLOADS; model workloads (train / forward tokens/s, peak memory) add an
 * entry that returns Rows, and can ask ctx.peer('train') for the peer's figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernels as activeKernels } from '../src/tensor/backend.js';
import { noGrad, tidy } from '../src/tensor/index.js';
import type { Kernels } from '../src/tensor/kernels.js';
import type { NativeAddon } from '../src/tensor/native/kernels.js';
import { loadNativeAddon } from '../src/tensor/native/load.js';
import { PEER_SIZES, PeerTransformer, randomBatch } from './workloads/transformer.js';

/** One measured figure, ours and (when the peer ran) PyTorch's. */
export interface Row {
  /** 'peak' | 'matmul' | 'train' | 'forward' | ... */
  workload: string;
  shape: string;
  /** e.g. 'GFLOP/s', 'tokens/s', 'MiB' */
  unit: string;
  engine: string;
  /** median */
  ours: number;
  best?: number;
  /** ours as a percentage of the all-thread fp32 peak (GEMM: median over samples of the sample's rate over the peak probed right before it) */
  pctPeak?: number;
  peerEngine?: string;
  /** the peer's median, when it ran */
  peer?: number;
  /** true when a smaller figure is better (time, memory): the ratio is then peer/ours */
  lowerIsBetter?: boolean;
}

/** One JSON line of the peer (torch_step.py). */
export interface PeerRecord {
  engine: string;
  workload: string;
  shape?: string;
  [key: string]: unknown;
}

export interface Context {
  kernels: Kernels;
  addon: NativeAddon | null;
  threads: number;
  /** The peer's records for `--only <workload>` (run once, cached), or null when it cannot run. */
  peer(workload: string): PeerRecord[] | null;
  /** The peer's records for a workload only if it already ran (never starts the peer). */
  peerCached(workload: string): PeerRecord[] | null;
  /** Progress and notes (stderr, so --json stays clean). */
  note(line: string): void;
}

/** Median and best seconds per call, exactly as the peer's `timed`. */
export function timed(fn: () => void, runs = 7, targetS = 0.3, probe?: () => number): Timing {
  for (let i = 0; i < 2; i++) fn();
  let t0 = performance.now();
  fn();
  const once = (performance.now() - t0) / 1000;
  const iters = Math.max(1, Math.min(10000, Math.round(targetS / Math.max(once, 1e-6))));
  const samples: number[] = [], beside: number[] = [];
  for (let r = 0; r < runs; r++) {
    if (probe) beside.push(probe());
    t0 = performance.now();
    for (let i = 0; i < iters; i++) fn();
    samples.push((performance.now() - t0) / 1000 / iters);
  }
  return { median: median(samples), best: Math.min(...samples), samples, beside };
}

/** Seconds per call of a timed function. */
export interface Timing {
  median: number;
  best: number;
  /** every sample, in run order */
  samples: number[];
  /** what `probe` returned right before each sample (empty without a probe) */
  beside: number[];
}

/** Length of the fp32 peak probe taken beside each GEMM sample. */
const PEAK_PROBE_MS = 100;

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const round1 = (x: number) => Math.round(x * 10) / 10;

function ratio(r: Row): number | undefined {
  if (r.peer === undefined || !(r.peer > 0) || !(r.ours > 0)) return undefined;
  return r.lowerIsBetter ? r.peer / r.ours : r.ours / r.peer;
}

/** Prints rows: one table per workload, or one JSON object per line. */
export function emit(rows: readonly Row[], json: boolean): void {
  if (json) {
    for (const r of rows) {
      const q = ratio(r);
      console.log(JSON.stringify({
        workload: r.workload, shape: r.shape, engine: r.engine, unit: r.unit, median: round1(r.ours),
        ...(r.best !== undefined ? { best: round1(r.best) } : {}),
        ...(r.pctPeak !== undefined ? { pct_of_peak: round1(r.pctPeak) } : {}),
        ...(r.peer !== undefined ? { peer_engine: r.peerEngine, peer_median: round1(r.peer) } : {}),
        ...(q !== undefined ? { ratio_to_peer: Math.round(q * 100) / 100 } : {}),
      }));
    }
    return;
  }
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(r.workload, [...(groups.get(r.workload) ?? []), r]);
  for (const [workload, rs] of groups) {
    const unit = rs[0].unit;
    const peerEngine = rs.find((r) => r.peerEngine)?.peerEngine;
    const header = ['shape', `ours ${unit} (median)`, '% of measured peak', `torch ${unit}`, 'ours/torch'];
    const body = rs.map((r) => {
      const q = ratio(r);
      return [r.shape, r.ours.toFixed(1), r.pctPeak !== undefined ? `${r.pctPeak.toFixed(0)}%` : '-',
        r.peer !== undefined ? r.peer.toFixed(1) : '-', q !== undefined ? `${q.toFixed(2)}x` : '-'];
    });
    const width = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join(' | ');
    console.log(`\n${workload} — ours: ${rs[0].engine}${peerEngine ? `, torch: ${peerEngine}` : ''}`);
    console.log(line(header));
    console.log(width.map((w) => '-'.repeat(w)).join('-|-'));
    for (const b of body) console.log(line(b));
  }
}

// ---------------------------------------------------------------------------------------------------
// Workloads

/** The peer's matmul shapes: name, M, K, N, batch. */
export const MATMUL_SHAPES: readonly [string, number, number, number, number][] = [
  ['256x512*512x512', 256, 512, 512, 1],
  ['1024x256*256x1024', 1024, 256, 1024, 1],
  ['512x1024*1024x1024', 512, 1024, 1024, 1],
  ['8x(256x64*64x256)', 256, 64, 256, 8],
];

/** fp32 FMA peak, 1 thread and all threads: best of three 300 ms probes each (noise only lowers it). */
export function peakRows(ctx: Context): Row[] {
  if (!ctx.addon) return [];
  const addon = ctx.addon;
  const probe = (t: number) => Math.max(...[0, 1, 2].map(() => addon.peakGflops(t, 300)));
  const one = probe(1), all = probe(ctx.threads);
  const engine = `fma-chains-${addon.info().isa}`;
  return [
    { workload: 'peak', shape: 'fp32 FMA, 1 thread', unit: 'GFLOP/s', engine, ours: one, pctPeak: (100 * one) / all },
    { workload: 'peak', shape: `fp32 FMA, ${ctx.threads} threads`, unit: 'GFLOP/s', engine, ours: all, pctPeak: 100 },
  ];
}

/**
 * C = A @ B on the peer's shapes (batched like torch.bmm), against the peer's matmul figures; then the
 * same with bf16 operands (% of the fp32 FMA peak: up to 200% where the CPU has AVX512_BF16).
 */
export function matmulRows(ctx: Context): Row[] {
  const engine = engineName(ctx);
  const peer = ctx.peer('matmul');
  let seed = 1;
  const randn = (n: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const u = (seed + 0.5) / 4294967296;
      seed = (seed * 1103515245 + 12345) >>> 0;
      a[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos((2 * Math.PI * seed) / 4294967296);
    }
    return a;
  };
  // The peer's shapes in fp32, then ours with bf16 operands (GemmArgs.bf16; no peer figure: the peer is fp32).
  return [false, true].flatMap((bf16) => MATMUL_SHAPES.map(([name, m, k, n, batch]) => {
    const shape = bf16 ? `${name} bf16` : name;
    ctx.note(`matmul ${shape} ...`);
    const a = randn(batch * m * k), b = randn(batch * k * n), c = new Float32Array(batch * m * n);
    const run = () => ctx.kernels.gemm({ transA: false, transB: false, m, n, k, batch, a, aOffset: 0, lda: k,
      strideA: m * k, b, bOffset: 0, ldb: n, strideB: k * n, c, cOffset: 0, ldc: n, strideC: m * n, alpha: 1, beta: 0,
      bias: null, bf16 });
    const flop = 2 * m * n * k * batch;
    const t = timed(run, 7, 0.3, ctx.addon ? () => ctx.addon!.peakGflops(ctx.threads, PEAK_PROBE_MS) : undefined);
    const ours = flop / t.median / 1e9;
    // Each sample against the peak probed right before it: the host's load drifts by 10-30% between
    // seconds on a shared VM, and a ratio of two figures taken together cancels it.
    const pctPeak = t.beside.length > 0 ? median(t.samples.map((s, i) => (100 * flop) / s / 1e9 / t.beside[i])) : undefined;
    const p = bf16 ? undefined : peer?.find((r) => r.workload === 'matmul' && r.shape === shape);
    return {
      workload: 'matmul', shape, unit: 'GFLOP/s', engine, ours, best: flop / t.best / 1e9,
      ...(pctPeak !== undefined ? { pctPeak } : {}),
      ...(p ? { peer: Number(p.gflops_median), peerEngine: p.engine } : {}),
    };
  }));
}

/**
 * The peer's model workloads on PeerTransformer (same sizes, mask and optimiser): one training step
 * (forward, mean cross-entropy, backward, AdamW) or one forward pass without gradients, in tokens/s.
 * Timed like the peer's (two warm-up steps, 7 samples of one step each, median).
 */
function modelRows(ctx: Context, workload: 'train' | 'forward'): Row[] {
  ctx.note(`${workload} (PeerTransformer d${PEER_SIZES.d} x${PEER_SIZES.layers} layers, batch ${PEER_SIZES.batch} x ${PEER_SIZES.seq}) ...`);
  const model = new PeerTransformer(PEER_SIZES, 0);
  const { ids, targets } = randomBatch(PEER_SIZES, 1);
  const opt = model.optimizer();
  const step = workload === 'train'
    ? () => tidy(() => { opt.zeroGrad(); model.loss(ids, targets).backward(); opt.update(); })
    : () => noGrad(() => tidy(() => { model.forward(ids); }));
  const t = timed(step, 7, 0);
  opt.zeroGrad();
  const tokens = PEER_SIZES.batch * PEER_SIZES.seq;
  const p = ctx.peer(workload)?.find((r) => r.workload === workload);
  const s = PEER_SIZES;
  return [{
    workload, shape: `d${s.d} h${s.heads} L${s.layers} T${s.seq} B${s.batch} V${s.vocab}`, unit: 'tokens/s',
    engine: engineName(ctx), ours: tokens / t.median, best: tokens / t.best,
    ...(p ? { peer: Number(p.tokens_per_s_median), peerEngine: p.engine } : {}),
  }];
}

/**
 * Peak resident memory of each side: this process (everything it ran) and the largest of the peer's
 * runs so far (each peer run is its own process, so its figure covers that one workload).
 */
export function memoryRows(ctx: Context): Row[] {
  const ours = process.resourceUsage().maxRSS / 1024;
  const peerMem = ['train', 'forward', 'matmul'].flatMap((w) => ctx.peerCached(w) ?? [])
    .filter((r) => r.workload === 'memory').map((r) => ({ mib: Number(r.peak_rss_mib), engine: r.engine }));
  const worst = peerMem.sort((a, b) => b.mib - a.mib)[0];
  return [{
    workload: 'memory', shape: 'peak RSS of the process', unit: 'MiB', engine: engineName(ctx), ours, lowerIsBetter: true,
    ...(worst ? { peer: worst.mib, peerEngine: worst.engine } : {}),
  }];
}

/**
 * Per-call cost of small kernels (microseconds, median): what a KV-cache decode step or a tiny model
 * pays per op. No peer figures.
 */
export function overheadRows(ctx: Context): Row[] {
  const k = ctx.kernels, engine = engineName(ctx);
  const f = (n: number) => new Float32Array(n).fill(0.5);
  const x = f(1024), y = f(1024), out = f(1024);
  const A = f(8 * 32), B = f(32 * 32), C = f(8 * 32);
  const H = 4, D = 64, TK = 128;
  const q = f(H * D), kv = f(TK * H * D), o = f(H * D), lse = f(H);
  const cases: [string, () => void][] = [
    ['binary add, 1k elements', () => k.binary('add', x, [1], y, [1], out, [1024])],
    ['gelu, 1k elements', () => k.unary('gelu', x, out, 1024)],
    ['gemm 8x32 * 32x32', () => k.gemm({ transA: false, transB: false, m: 8, n: 32, k: 32, batch: 1, a: A, aOffset: 0, lda: 32,
      strideA: 0, b: B, bOffset: 0, ldb: 32, strideB: 0, c: C, cOffset: 0, ldc: 32, strideC: 0, alpha: 1, beta: 0, bias: null })],
    ['layerNorm 4x256', () => k.layerNorm(x, null, null, out, o, lse, 4, 256, 1e-5)],
    [`attention T=1, ${TK} keys, ${H} heads x ${D}`, () => k.attention({ batch: 1, heads: H, kvHeads: H, tq: 1, tk: TK, kvStride: TK,
      dim: D, scale: 0.125, q, k: kv, v: kv, mask: null, maskBatch: 1 }, o, lse)],
  ];
  return cases.map(([shape, fn]) => {
    const t = timed(fn, 7, 0.1);
    return { workload: 'overhead', shape, unit: 'us/call', engine, ours: t.median * 1e6, best: t.best * 1e6, lowerIsBetter: true };
  });
}

/** Every workload this benchmark knows, in run order (memory last: it reports the peaks of the others). */
export const WORKLOADS: Record<string, (ctx: Context) => Row[]> = {
  peak: peakRows,
  matmul: matmulRows,
  train: (ctx) => modelRows(ctx, 'train'),
  forward: (ctx) => modelRows(ctx, 'forward'),
  overhead: overheadRows,
  memory: memoryRows,
};

// ---------------------------------------------------------------------------------------------------
// The PyTorch peer

const PEER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'peer', 'torch_step.py');
const PYTHON = '/usr/bin/python3';

function sh(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() };
}

/** Where Debian's libblas.so.3 alternative points (torch links libblas.so.3), or null. */
function blasTarget(): string | null {
  for (const dir of ['/usr/lib', '/usr/lib64']) {
    if (!existsSync(dir)) continue;
    for (const sub of readdirSync(dir)) {
      const p = path.join(dir, sub, 'libblas.so.3');
      if (sub.endsWith('-linux-gnu') && existsSync(p)) return realpathSync(p);
    }
  }
  return null;
}

/**
 * Makes sure the peer can run at its best; returns why not (null when ready). As root it installs
 * python3-torch and libopenblas0-pthread with apt-get when needed: without OpenBLAS, Debian's torch
 * falls back to the reference BLAS (~3 GFLOP/s), which would make every comparison meaningless.
 */
function preparePeer(note: (s: string) => void): string | null {
  if (!existsSync(PEER)) return `the PyTorch peer is unavailable: ${PEER} does not exist; PyTorch columns omitted`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = (pkgs: string[]) => {
    note(`installing ${pkgs.join(' ')} with apt-get ...`);
    sh('apt-get', ['update', '-qq']);
    return sh('apt-get', ['install', '-y', '-qq', ...pkgs]);
  };
  if (!sh(PYTHON, ['-c', 'import torch']).ok) {
    if (!isRoot) {
      return `PyTorch is not importable by ${PYTHON}; install it with \`sudo apt-get install -y python3-torch libopenblas0-pthread\`. PyTorch columns omitted`;
    }
    const r = apt(['python3-torch', 'libopenblas0-pthread']);
    if (!r.ok || !sh(PYTHON, ['-c', 'import torch']).ok) {
      return `could not install python3-torch (apt-get: ${r.out.split('\n').slice(-2).join(' ')}); PyTorch columns omitted`;
    }
  }
  let blas = blasTarget();
  if (!blas || !/openblas|blis|mkl/i.test(blas)) {
    if (isRoot) {
      apt(['libopenblas0-pthread']);
      blas = blasTarget();
    }
    if (!blas || !/openblas|blis|mkl/i.test(blas)) {
      note(`WARNING: libblas.so.3 -> ${blas ?? 'nothing'}: torch runs on the reference BLAS, far below its best; ` +
        'install libopenblas0-pthread (apt-get) to compare against torch at its best');
    }
  }
  note(`torch BLAS: libblas.so.3 -> ${blas ?? 'not found'}`);
  return null;
}

interface Peer {
  run(workload: string): PeerRecord[] | null;
  cached(workload: string): PeerRecord[] | null;
  /** Why the peer could not run (null while it is fine or has not been tried). */
  unavailable(): string | null;
}

function makePeer(threads: number, note: (s: string) => void): Peer {
  let why: string | null | undefined;
  const cache = new Map<string, PeerRecord[] | null>();
  return {
    run(workload) {
      if (why === undefined) {
        why = preparePeer(note);
        if (why) note(why);
      }
      if (why) return null;
      if (!cache.has(workload)) {
        note(`running the PyTorch peer (--only ${workload}) ...`);
        const r = spawnSync(PYTHON, [PEER, '--only', workload, '--threads', String(threads)], { encoding: 'utf8' });
        if (r.status !== 0) {
          note(`the peer failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
          cache.set(workload, null);
        } else {
          cache.set(workload, r.stdout.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as PeerRecord));
        }
      }
      return cache.get(workload) ?? null;
    },
    cached: (workload) => cache.get(workload) ?? null,
    unavailable: () => why ?? null,
  };
}

function engineName(ctx: Context): string {
  return ctx.kernels.name === 'native' && ctx.addon ? `haploomni-native-${ctx.addon.info().simd}-${ctx.threads}t` : 'haploomni-js-1t';
}

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  } catch {
    return 'unknown CPU';
  }
}

export function main(argv: readonly string[]): void {
  const json = argv.includes('--json');
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? (argv[onlyAt + 1] ?? '').split(',') : Object.keys(WORKLOADS);
  for (const w of only) if (!WORKLOADS[w]) throw new Error(`unknown workload '${w}'; known: ${Object.keys(WORKLOADS).join(', ')}`);
  const note = (s: string) => process.stderr.write(`${s}\n`);
  const loaded = loadNativeAddon();
  const addon = 'addon' in loaded ? loaded.addon : null;
  const kernels = activeKernels();
  if (!addon) note(`native addon unavailable (${'error' in loaded ? loaded.error : ''}); measuring the js backend`);
  const threads = addon && kernels.name === 'native' ? addon.info().threads : 1;
  const peer = makePeer(threads, note);
  const ctx: Context = { kernels, addon, threads, peer: peer.run, peerCached: peer.cached, note };
  if (!json) {
    console.log(`haploomni engine benchmark — ${cpuModel()}, ${threads} thread(s), backend ${kernels.name}` +
      (addon ? `, ISA ${addon.info().isa} (GEMM microkernel ${addon.info().microkernel})` : ''));
  }
  const rows: Row[] = [];
  for (const w of Object.keys(WORKLOADS)) if (only.includes(w)) rows.push(...WORKLOADS[w](ctx));
  emit(rows, json);
  const why = peer.unavailable();
  if (why && !json) console.log(`\nNOTE: ${why}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
