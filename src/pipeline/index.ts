/**
 * The pipeline layer: a model folder loaded with everything it needs to answer questions about
 * pictures and to generate videos, used by the CLI, the evaluator and the demo.
 *
 *   loadPipeline(dir?) -> { model, tokenizer, vae (lazy), settings, dir }     load.ts
 *   savePipeline(dir, model, settings, { dtype: 'f32' | 'f16', vaeDir?, tokenizerDir? })   save.ts
 *   answerQuestion(pipeline, { video | image, question }, { maxNewTokens, temperature, seed, onText })
 *   answerQuestions(pipeline, requests, { batchSize, ... })                  answer.ts
 *   generateVideos(pipeline, prompts, { steps, guidanceScale, seed, frames }) -> RgbVideo[]   generate-videos.ts
 *   videoForModel / imageForModel                                            inputs.ts (shared with training)
 *   pipeline.json settings                                                   settings.ts
 */
export * from './settings.js';
export * from './inputs.js';
export * from './load.js';
export * from './save.js';
export * from './answer.js';
export * from './generate-videos.js';
