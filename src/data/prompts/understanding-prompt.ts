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
 *
 * Fast path (linear in the conversation): the rendered text is cut where each assistant message
 * starts and ends, the pieces are encoded one by one, and their concatenation must equal the
 * encoding of the whole text, so every cut is a token boundary of it. Where that does not hold it
 * falls back to encoding every prefix (quadratic in the number of turns), which defines the labels.
 */
export function tokenizeConversation(tokenizer: HaploTokenizer, messages: readonly ChatMessage[]): TokenizedConversation {
  const text = tokenizer.applyChatTemplate(messages);
  const inputIds = tokenizer.encode(text);
  const spans = answerSpansByPieces(tokenizer, messages, text, inputIds) ?? answerSpansByPrefixes(tokenizer, messages, inputIds);
  const labelMask = new Uint8Array(inputIds.length);
  for (const [from, to] of spans) labelMask.fill(1, from, to);
  const mediaPositions: number[] = [];
  inputIds.forEach((id, i) => {
    if (id === tokenizer.imageId || id === tokenizer.videoId) mediaPositions.push(i);
  });
  return { inputIds, labelMask, labels: inputIds.map((id, i) => (labelMask[i] ? id : IGNORE_INDEX)), mediaPositions };
}

/** Token range [from, to) of an assistant answer with its closing <|im_end|>, for message k. */
function answerSpan(tokenizer: HaploTokenizer, k: number, ids: readonly number[], from: number, through: number): [number, number] {
  const end = ids.lastIndexOf(tokenizer.imEndId, through - 1);
  if (end < from) throw new Error(`message ${k}: the assistant turn does not end with <|im_end|>`);
  return [from, end + 1];
}

/** The fast path of tokenizeConversation, or null when a cut is not a token boundary. */
function answerSpansByPieces(tokenizer: HaploTokenizer, messages: readonly ChatMessage[], text: string,
  inputIds: readonly number[]): [number, number][] | null {
  const cuts: number[] = [];  // character offsets: [before_k, through_k] per assistant message
  for (let k = 0; k < messages.length; k++) {
    if (messages[k].role !== 'assistant') continue;
    const before = tokenizer.applyChatTemplate(messages.slice(0, k), { addGenerationPrompt: true });
    const through = tokenizer.applyChatTemplate(messages.slice(0, k + 1));
    if (!text.startsWith(before) || !text.startsWith(through) || through.length < before.length) return null;
    if (cuts.length > 0 && before.length < cuts[cuts.length - 1]) return null;
    cuts.push(before.length, through.length);
  }
  const tokenAt: number[] = [];  // token offset of each cut
  let at = 0, chars = 0;
  for (const cut of [...cuts, text.length]) {
    for (const id of tokenizer.encode(text.slice(chars, cut))) if (inputIds[at++] !== id) return null;
    tokenAt.push(at);
    chars = cut;
  }
  if (at !== inputIds.length) return null;
  const spans: [number, number][] = [];
  let a = 0;
  messages.forEach((m, k) => {
    if (m.role !== 'assistant') return;
    spans.push(answerSpan(tokenizer, k, inputIds, tokenAt[2 * a], tokenAt[2 * a + 1]));
    a++;
  });
  return spans;
}

/** The reference path of tokenizeConversation: every prefix encoded on its own. */
export function answerSpansByPrefixes(tokenizer: HaploTokenizer, messages: readonly ChatMessage[], inputIds: readonly number[]): [number, number][] {
  const spans: [number, number][] = [];
  messages.forEach((m, k) => {
    if (m.role !== 'assistant') return;
    const before = tokenizer.encode(tokenizer.applyChatTemplate(messages.slice(0, k), { addGenerationPrompt: true }));
    const through = tokenizer.encode(tokenizer.applyChatTemplate(messages.slice(0, k + 1)));
    if (!startsWith(inputIds, before) || !startsWith(inputIds, through) || through.length < before.length) {
      throw new Error(`message ${k}: the chat template does not tokenise conversation prefixes consistently, cannot locate the answer`);
    }
    spans.push(answerSpan(tokenizer, k, inputIds, before.length, through.length));
  });
  return spans;
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
