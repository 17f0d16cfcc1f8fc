/** The tensor engine: Tensor, autograd, ops, optimisers, RNG and backend selection. */
export * from './tensor.js';
export { backward, isGradEnabled, noGrad } from './autograd.js';
export { clearPool, keep, pooledMemoryBytes, tidy } from './memory.js';
export { availableBackends, backendName, kernels, nativeUnavailableReason, setBackend, withBackend, type BackendName } from './backend.js';
export { matmulPrecision, withMatmulPrecision, type MatmulPrecision } from './precision.js';
export * as ops from './ops/index.js';
export type { AttentionOptions, ConvOptions, CrossEntropyOptions, Mask, MatmulOptions, RopeTable } from './ops/index.js';
export * from './rng.js';
export * from './optim/adamw.js';
export * from './optim/clip.js';
export * from './optim/schedule.js';
