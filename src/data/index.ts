/**
 * The data layer: the Shapes world, users' datasets, tokenizer and chat template, prompt
 * builders and media I/O. Module-level docs live next to each part:
 *   shapes/world.ts          Shapes samples (frames + ground truth + captions + questions)
 *   datasets/*.ts            LLaVA understanding / video-caption generation manifests, checks, Shapes export
 *   tokenizer/load.ts        Hugging Face tokenizer folders (tokenizer.json + tokenizer_config.json)
 *   prompts/*.ts             generation prompt (reference §6.4) and understanding examples with label masks
 *   media/*.ts               PNG / JPEG / GIF / ffmpeg video reading and writing, sampling, resizing, normalisation
 */
export * from './shapes/index.js';
export * from './media/index.js';

export { loadTokenizer, tokenizerFromJson, DEFAULT_TOKENIZER_DIR, type HaploTokenizer } from './tokenizer/load.js';
export { CHATML_TEMPLATE, ChatTemplate, type ChatMessage, type ChatTemplateOptions } from './tokenizer/chat-template.js';
export * from './tokenizer/special-tokens.js';

export { GENERATION_SYSTEM_PROMPT } from './prompts/system-prompts.js';
export { generationMessages, understandingMessages, mediaPlaceholder, type MediaKind, type QuestionAnswer } from './prompts/messages.js';
export { buildGenerationPrompt, buildGuidanceBatch, leftPad, type GenerationPrompt, type LeftPaddedBatch } from './prompts/generation-prompt.js';
export {
  IGNORE_INDEX,
  buildUnderstandingExample,
  buildUnderstandingQuery,
  tokenizeConversation,
  type TokenizedConversation,
  type UnderstandingExample,
} from './prompts/understanding-prompt.js';

export { readUnderstandingManifest, recordMessages, type UnderstandingRecord, type ConversationTurn } from './datasets/understanding.js';
export { readGenerationManifest, type GenerationRecord } from './datasets/generation.js';
export { checkDataset, detectDatasetKind, type DatasetCheckReport, type DatasetKind } from './datasets/check.js';
export { formatIssue, type DatasetIssue, type RecordLocation } from './datasets/issues.js';
export type { ManifestContents, ReadManifestOptions } from './datasets/manifest-file.js';
export type { MediaRef } from './datasets/fields.js';
export { writeShapesDataset, shapesConversation, type ShapesExportOptions } from './datasets/shapes-export.js';
export { writeFileAtomic } from '../io/atomic.js';
