/** Video VAE: causal video autoencoder between pixels and the latents the post-decoder denoises. */
export * from './config.js';
export { psnrBytes, tensorToVideos, videosToTensor } from './frames.js';
export { DEFAULT_VAE_DIR, loadVae, saveVae } from './io.js';
export { klDivergence, reconstructionLoss, type ReconstructionLoss } from './loss.js';
export { VideoVae, type LatentDistribution } from './vae.js';
