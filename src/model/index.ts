/**
 * HaploOmni model layer: public API.
 *
 * Construction
 *   presetConfig('tiny' | 'paper', vocab?) -> HaploOmniConfig      plain data; vocab = the tokenizer's sizes/ids
 *   parseConfig(json) / loadConfig(file) / configToJson(config)     reference config.json layout, validated
 *   new HaploOmni(config, { seed })                                 reference init (§8)
 *   info(config) -> parameter counts per group, analytically (no weights allocated)
 *
 * Parameter groups (freezing per training stage)
 *   parameterGroups(model) -> { embeddings, visual_input, pre, pre_connector, base, post_connector, post,
 *                               lm_head, generation_head }: [name, Tensor][]
 *   setTrainable(model, groups, trainable)
 *
 * Understanding (image/video + text -> text)
 *   expandPlaceholders(ids, config, { imageSizes, videoFrames }) -> { ids, attentionStartIds }
 *   imageTokenCount / videoTokenCount / anyresLayout                  processor geometry
 *   understandingForward(model, input, { mask, trace }) -> { logits [B, T, V], lastHidden }
 *   understandingLoss(model, { ...input, labels }) -> scalar          shifted next-token CE, -100 ignored
 *   generate(model, prompts, { maxNewTokens, temperature, topK, topP, repetitionPenalty, stopTokens,
 *            seed, onToken }) -> { tokens, finishReasons }           KV-cached, batched, left-padded
 *
 * Generation (text -> video latents)
 *   generationForward(model, { latents, timesteps, text }) -> v-prediction [B, F, C, h, w]
 *   generationForwardShared(model, same input) -> the same, the prompts' common prefix run once
 *   diffusionLoss(model, latents, textIds, textMask, rng) -> scalar  v-prediction MSE (shared prefix)
 *   sampleVideo(model, { prompts, negativePrompts, latentShape }, { steps, guidanceScale,
 *               dynamicGuidance, seed, textStateCache, onStep }) -> latents [B, F, C, h, w]
 *   calibrateFeaturePrescale(model, samples)                          paper §3.2 factors into the config
 *
 * Checkpoints (Hugging Face layout, reference key names)
 *   saveModel(dir, model) / loadModel(dir) (single or sharded) / loadWeights(model, files) -> LoadReport
 */
export * from './config.js';
export * from './presets.js';
export * from './haploomni.js';
export * from './info.js';
export * from './groups.js';
export * from './processor.js';
export * from './masks.js';
export * from './visual.js';
export * from './understanding.js';
export * from './generation.js';
export * from './generation-shared.js';
export * from './generate.js';
export * from './losses.js';
export * from './prescale.js';
export * from './calibrate.js';
export * from './checkpoint.js';
export { diffusionLoss } from '../diffusion/loss.js';
export { sampleVideo, type SamplingStep, type VideoSamplingOptions, type VideoSamplingRequest } from '../diffusion/sample.js';
export { CogVideoXDDIMScheduler, COGVIDEOX_2B_SCHEDULER, cogvideoxAlphasCumprod } from '../diffusion/scheduler.js';
