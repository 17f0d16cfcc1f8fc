/**
 * Chat messages for the two tasks, before templating: the generation prompt of reference §6.4
 * and LLaVA-style understanding conversations with a media placeholder.
 */
import type { ChatMessage } from '../tokenizer/chat-template.js';
import { IMAGE_TOKEN, VIDEO_TOKEN } from '../tokenizer/special-tokens.js';
import { GENERATION_SYSTEM_PROMPT } from './system-prompts.js';

export type MediaKind = 'image' | 'video';

/** The placeholder token a medium is written as in user text. */
export function mediaPlaceholder(kind: MediaKind): string {
  return kind === 'image' ? IMAGE_TOKEN : VIDEO_TOKEN;
}

/** Reference "vanilla" text-to-video conditioning: fixed system text, then the raw prompt as the user turn. */
export function generationMessages(prompt: string): ChatMessage[] {
  return [
    { role: 'system', content: GENERATION_SYSTEM_PROMPT },
    { role: 'user', content: prompt },
  ];
}

export interface QuestionAnswer {
  question: string;
  /** Omitted for the last turn of an inference query. */
  answer?: string;
}

/**
 * An understanding conversation: optional system message, then user/assistant turns. The media
 * placeholder goes at the start of the first user turn, followed by a newline (LLaVA convention).
 */
export function understandingMessages(turns: readonly QuestionAnswer[], media?: MediaKind, system?: string): ChatMessage[] {
  if (turns.length === 0) throw new Error('understandingMessages: at least one question is needed');
  const messages: ChatMessage[] = system !== undefined ? [{ role: 'system', content: system }] : [];
  turns.forEach((turn, i) => {
    const prefix = i === 0 && media ? `${mediaPlaceholder(media)}\n` : '';
    messages.push({ role: 'user', content: prefix + turn.question });
    if (turn.answer !== undefined) messages.push({ role: 'assistant', content: turn.answer });
    else if (i !== turns.length - 1) throw new Error('understandingMessages: only the last turn may lack an answer');
  });
  return messages;
}
