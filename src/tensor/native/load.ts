/**
 * Loads the C++ addon (build/Release/haploomni.node, built by `npm install` through
 * scripts/build-native.mjs) and wraps it as `Kernels`. Never throws: when the addon is missing or
 * cannot load, the error says exactly why. (HAPLOOMNI_BACKEND=js is handled by backend.ts.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kernels } from '../kernels.js';
import { nativeKernels, type NativeAddon } from './kernels.js';

const ADDON = path.join('build', 'Release', 'haploomni.node');

/** The package root: the nearest directory above this file holding haploomni's package.json. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'haploomni') return dir;
      } catch { /* not ours; keep looking */ }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find haploomni's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** Why the last build did not produce the addon, from build/native-status.json (null when unknown). */
function buildFailure(root: string): string | null {
  try {
    const s = JSON.parse(readFileSync(path.join(root, 'build', 'native-status.json'), 'utf8')) as { ok?: boolean; reason?: string };
    return s.ok === false && s.reason ? s.reason : null;
  } catch {
    return null;
  }
}

let cached: { addon: NativeAddon } | { error: string } | undefined;

/** The raw addon (for benchmarks and tests: peakGflops, setThreads, info), or why it is unavailable. */
export function loadNativeAddon(): { addon: NativeAddon } | { error: string } {
  if (cached) return cached;
  let root: string;
  try {
    root = packageRoot();
  } catch (e) {
    return (cached = { error: (e as Error).message });
  }
  const file = path.join(root, ADDON);
  if (!existsSync(file)) {
    const why = buildFailure(root);
    return (cached = {
      error: why
        ? `${ADDON} not found: the native build failed at install time (${why}); rebuild with \`node scripts/build-native.mjs\` (needs g++, make, python3)`
        : `${ADDON} not found; run \`npm install\` (needs g++, make, python3)`,
    });
  }
  try {
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    return (cached = { addon });
  } catch (e) {
    return (cached = { error: `${ADDON} failed to load: ${(e as Error).message}` });
  }
}

export function loadNative(): { kernels: Kernels } | { error: string } {
  const r = loadNativeAddon();
  return 'addon' in r ? { kernels: nativeKernels(r.addon) } : r;
}
