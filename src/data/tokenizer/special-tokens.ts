/** Special tokens of HaploOmni tokenizers (Qwen2.5 names plus the two media placeholders). */

export const ENDOFTEXT = '<|endoftext|>';
export const IM_START = '<|im_start|>';
export const IM_END = '<|im_end|>';
export const IMAGE_TOKEN = '<image>';
export const VIDEO_TOKEN = '<video>';

/** In id order: they follow the BPE vocabulary in the shipped tokenizer. */
export const SPECIAL_TOKENS = [ENDOFTEXT, IM_START, IM_END, IMAGE_TOKEN, VIDEO_TOKEN] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];
