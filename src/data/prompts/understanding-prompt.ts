/**
 * Tokenised understanding examples: a chat (system, user with <image>/<video> placeholder and
 * question, assistant answer, possibly several turns) as token ids plus a label mask that selects
 * only the assistant answers and their closing <|im_end|> for the loss.
 */
import type { ChatMessage } from '../tokenizer/chat-template.js';
import type { HaploTokenizer } from '../tokenizer/load.js';
import { understandingMessages, type MediaKind, type QuestionAnswer } from './messages.js';

/** Label value of positions excluded from the loss (PyTorch / Hugging Face convention). */
export const IGNORE_INDEX = -100;

export interface TokenizedConversation {
  inputIds: number[];
  /** 1 where the token is a training target (assistant answer tokens and their <|im_end|>). */
  labelMask: Uint8Array;
  /** inputIds where labelMask is 1, IGNORE_INDEX elsewhere (not shifted: labels[i] is token i). */
  labels: number[];
  /** Positions of <image> / <video> tokens, which the model replaces with visual features. */
  mediaPositions: number[];
}

function startsWith(ids: readonly number[], prefix: readonly number[]): boolean {
  return prefix.length <= ids.length && prefix.every((id, i) => ids[i] === id);
}

/**
 * Tokenises a whole conversation and marks every assistant message for training. Works with any
 * chat template whose rendering of a conversation prefix tokenises to a prefix of the whole
 * (true for ChatML templates such as Qwen2.5's); throws otherwise.
 */
export function tokenizeConversation(tokenizer: HaploTokenizer, messages: readonly ChatMessage[]): TokenizedConversation {
  const inputIds = tokenizer.encode(tokenizer.applyChatTemplate(messages));
  const labelMask = new Uint8Array(inputIds.length);
  messages.forEach((m, k) => {
    if (m.role !== 'assistant') return;
    const before = tokenizer.encode(tokenizer.applyChatTemplate(messages.slice(0, k), { addGenerationPrompt: true }));
    const through = tokenizer.encode(tokenizer.applyChatTemplate(messages.slice(0, k + 1)));
    if (!startsWith(inputIds, before) || !startsWith(inputIds, through) || through.length < before.length) {
      throw new Error(`message ${k}: the chat template does not tokenise conversation prefixes consistently, cannot locate the answer`);
    }
    const end = through.lastIndexOf(tokenizer.imEndId);
    if (end < before.length) throw new Error(`message ${k}: the assistant turn does not end with <|im_end|>`);
    labelMask.fill(1, before.length, end + 1);
  });
  const mediaPositions: number[] = [];
  inputIds.forEach((id, i) => {
    if (id === tokenizer.imageId || id === tokenizer.videoId) mediaPositions.push(i);
  });
  return { inputIds, labelMask, labels: inputIds.map((id, i) => (labelMask[i] ? id : IGNORE_INDEX)), mediaPositions };
}

export interface UnderstandingExample {
  /** Question/answer turns; the media placeholder is put in front of the first question. */
  turns: readonly QuestionAnswer[];
  media?: MediaKind;
  system?: string;
}

/** A training example: every turn must have an answer. */
export function buildUnderstandingExample(tokenizer: HaploTokenizer, example: UnderstandingExample): TokenizedConversation {
  if (example.turns.some((t) => t.answer === undefined)) throw new Error('buildUnderstandingExample: every turn needs an answer');
  return tokenizeConversation(tokenizer, understandingMessages(example.turns, example.media, example.system));
}

/**
 * An inference prompt: the conversation so far (the last turn without answer) rendered with the
 * assistant header, ready for generation.
 */
export function buildUnderstandingQuery(tokenizer: HaploTokenizer, example: UnderstandingExample): { text: string; ids: number[] } {
  const last = example.turns[example.turns.length - 1];
  if (!last || last.answer !== undefined) throw new Error('buildUnderstandingQuery: the last turn must be an unanswered question');
  const text = tokenizer.applyChatTemplate(understandingMessages(example.turns, example.media, example.system), { addGenerationPrompt: true });
  return { text, ids: tokenizer.encode(text) };
}
