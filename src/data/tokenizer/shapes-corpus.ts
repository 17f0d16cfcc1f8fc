/**
 * The text the Shapes tokenizer is trained on: every kind of text the model sees, rendered exactly
 * as it is tokenised (chat template included) — captions and descriptions in generation prompts,
 * question/answer conversations for videos and images.
 */
import { generationMessages, understandingMessages } from '../prompts/messages.js';
import { shapesAnnotation } from '../shapes/world.js';
import { CHATML_TEMPLATE, ChatTemplate } from './chat-template.js';

/** Number of Shapes samples (each as a video and as an image) in the default corpus. */
export const CORPUS_SAMPLES = 300;

/** Rendered chat texts from the first `samples` train samples, as videos and as still images. */
export function shapesCorpus(samples = CORPUS_SAMPLES): string[] {
  const chat = new ChatTemplate(CHATML_TEMPLATE);
  const texts: string[] = [];
  for (let i = 0; i < samples; i++) {
    for (const frames of [9, 1]) {
      const a = shapesAnnotation('train', i, { frames });
      for (const prompt of [a.description, ...a.captions]) {
        texts.push(chat.render(generationMessages(prompt), { addGenerationPrompt: true }));
      }
      const turns = a.questions.map((q) => ({ question: q.question, answer: q.answer }));
      texts.push(chat.render(understandingMessages(turns, frames > 1 ? 'video' : 'image')));
    }
  }
  return texts;
}
