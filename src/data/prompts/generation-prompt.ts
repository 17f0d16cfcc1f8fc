/**
 * Text conditioning for video generation (reference §6.4, "vanilla" template): the chat template
 * over [system: GENERATION_SYSTEM_PROMPT, user: prompt] with the assistant header appended.
 * The unconditional branch of classifier-free guidance uses the same template with the negative
 * prompt (default ""). Batches are left-padded with the pad token.
 */
import type { HaploTokenizer } from '../tokenizer/load.js';
import { generationMessages } from './messages.js';

export interface GenerationPrompt {
  text: string;
  ids: number[];
}

/** Renders and tokenises the generation prompt for one text prompt. */
export function buildGenerationPrompt(tokenizer: HaploTokenizer, prompt: string): GenerationPrompt {
  const text = tokenizer.applyChatTemplate(generationMessages(prompt), { addGenerationPrompt: true });
  return { text, ids: tokenizer.encode(text) };
}

export interface LeftPaddedBatch {
  /** [batch][length] token ids, pads first. */
  ids: number[][];
  /** [batch][length] 1 for real tokens, 0 for pads. */
  attentionMask: number[][];
  /** Padded length (the longest sequence). */
  length: number;
}

/** Left-pads sequences to the longest one ("longest" padding, padding_side="left"). */
export function leftPad(sequences: readonly (readonly number[])[], padId: number): LeftPaddedBatch {
  const length = Math.max(0, ...sequences.map((s) => s.length));
  return {
    ids: sequences.map((s) => [...new Array<number>(length - s.length).fill(padId), ...s]),
    attentionMask: sequences.map((s) => [...new Array<number>(length - s.length).fill(0), ...new Array<number>(s.length).fill(1)]),
    length,
  };
}

/**
 * The classifier-free-guidance batch [unconditional, conditional] for each prompt, left-padded:
 * rows 0..n-1 are the negative prompts, rows n..2n-1 the prompts (reference §6.2 order).
 */
export function buildGuidanceBatch(tokenizer: HaploTokenizer, prompts: readonly string[], negativePrompt = ''): LeftPaddedBatch {
  const negative = buildGenerationPrompt(tokenizer, negativePrompt).ids;
  const positive = prompts.map((p) => buildGenerationPrompt(tokenizer, p).ids);
  return leftPad([...prompts.map(() => negative), ...positive], tokenizer.padId);
}
