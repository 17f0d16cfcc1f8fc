/**
 * Backend selection. The default is `native` when the addon loaded, else `js` (with one clear notice on
 * stderr saying why). `HAPLOOMNI_BACKEND=js|native` or `setBackend` choose explicitly.
 */
import { jsKernels } from './js/index.js';
import type { Kernels } from './kernels.js';
import { loadNative } from './native/load.js';

export type BackendName = 'js' | 'native';

let native: Kernels | null | undefined;
let nativeError = '';
let current: Kernels | undefined;

function nativeKernels(): Kernels | null {
  if (native === undefined) {
    const r = loadNative();
    native = 'kernels' in r ? r.kernels : null;
    nativeError = 'error' in r ? r.error : '';
  }
  return native;
}

/** Why the native backend is unavailable ('' when it loaded). */
export function nativeUnavailableReason(): string {
  nativeKernels();
  return nativeError;
}

export function availableBackends(): BackendName[] {
  return nativeKernels() ? ['native', 'js'] : ['js'];
}

/** The kernels every op calls. */
export function kernels(): Kernels {
  if (current) return current;
  const wanted = process.env.HAPLOOMNI_BACKEND;
  if (wanted !== undefined && wanted !== 'js' && wanted !== 'native') {
    throw new Error(`HAPLOOMNI_BACKEND must be 'js' or 'native', got '${wanted}'`);
  }
  if (wanted === 'js') return (current = jsKernels);
  const n = nativeKernels();
  if (n) return (current = n);
  if (wanted === 'native') throw new Error(`HAPLOOMNI_BACKEND=native but the native addon is unavailable: ${nativeError}`);
  process.stderr.write(`haploomni: using the js backend (slow) because the native addon is unavailable: ${nativeError}\n`);
  return (current = jsKernels);
}

export function backendName(): BackendName {
  return kernels().name;
}

/** Switches every subsequent op to the named backend; throws, naming the reason, if it cannot load. */
export function setBackend(name: BackendName): void {
  if (name === 'js') { current = jsKernels; return; }
  const n = nativeKernels();
  if (!n) throw new Error(`the native backend is unavailable: ${nativeError}`);
  current = n;
}

/** Runs fn with the named backend, restoring the previous one afterwards (used by cross-backend tests). */
export function withBackend<T>(name: BackendName, fn: () => T): T {
  const before = kernels();
  setBackend(name);
  try { return fn(); } finally { current = before; }
}
