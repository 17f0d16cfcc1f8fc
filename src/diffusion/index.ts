/** Video diffusion: the CogVideoX DDIM scheduler, classifier-free guidance, sampling and the training loss. */
export * from './scheduler.js';
export * from './guidance.js';
export * from './sample.js';
export * from './loss.js';
