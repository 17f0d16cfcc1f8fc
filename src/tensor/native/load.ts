/** Loads the C++ addon (build/Release/haploomni.node). Placeholder until the addon exists. */
import type { Kernels } from '../kernels.js';

export function loadNative(): { kernels: Kernels } | { error: string } {
  return { error: 'the native addon has not been written yet' };
}
