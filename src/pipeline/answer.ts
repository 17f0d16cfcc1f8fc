/**
 * Understanding through a pipeline: a picture (video or still image) and a question in, the answer
 * text out. The prompt is the chat template around the question with a <video> / <image> placeholder
 * (buildUnderstandingQuery), the placeholder is expanded to the medium's token count and the pixels go
 * through inputs.ts; decoding is KV-cached and stops at <|im_end|> or the end-of-text token. Many
 * questions are answered in left-padded batches (answerQuestions); greedy answers do not depend on
 * the batch they were in.
 */
import { buildUnderstandingQuery, type HaploTokenizer, type RgbVideo } from '../data/index.js';
import { expandPlaceholders, generate, type PromptInput } from '../model/index.js';
import { imageForModel, videoForModel } from './inputs.js';
import type { Pipeline } from './load.js';

/** One question about at most one picture (none: a text-only question). */
export interface QuestionRequest {
  question: string;
  video?: RgbVideo;
  image?: RgbVideo;
}

export interface AnswerOptions {
  /** most tokens per answer (default 64) */
  maxNewTokens?: number;
  /** 0 = greedy (default) */
  temperature?: number;
  /** sampling seed (default 0) */
  seed?: number;
}

/** Prompt ids with expanded placeholders and the model inputs of the picture. */
export function questionPrompt(pipeline: Pipeline, request: QuestionRequest): PromptInput {
  const { model, tokenizer, settings } = pipeline;
  const config = model.config;
  if (request.video && request.image) throw new Error('a question is about a video or an image, not both');
  if (request.video) {
    const video = videoForModel(request.video, config, settings.understanding_frames);
    const { ids } = buildUnderstandingQuery(tokenizer, { turns: [{ question: request.question }], media: 'video' });
    return { ids: expandPlaceholders(ids, config, { videoFrames: [video.frames.shape[0]] }).ids, videos: [video] };
  }
  if (request.image) {
    const image = imageForModel(request.image, config);
    const { ids } = buildUnderstandingQuery(tokenizer, { turns: [{ question: request.question }], media: 'image' });
    return { ids: expandPlaceholders(ids, config, { imageSizes: [image.size] }).ids, images: [image] };
  }
  return { ids: buildUnderstandingQuery(tokenizer, { turns: [{ question: request.question }] }).ids };
}

/** Text of generated tokens (special tokens dropped). */
const decodeAnswer = (tokenizer: HaploTokenizer, tokens: readonly number[]): string => tokenizer.decode(tokens, { skipSpecialTokens: true });

/**
 * Streams decoded text: after each token, the new suffix of the decoded answer, held back while the
 * text ends in an incomplete character (a byte-level token can split one).
 */
function textStreamer(tokenizer: HaploTokenizer, onText: (text: string) => void): { push(token: number): void; flush(): void } {
  const tokens: number[] = [];
  let sent = '';
  const emit = (final: boolean): void => {
    const text = decodeAnswer(tokenizer, tokens);
    // Hold back a trailing incomplete character, and any text that does not extend what was sent.
    if ((!final && text.endsWith('\uFFFD')) || !text.startsWith(sent) || text.length === sent.length) return;
    onText(text.slice(sent.length));
    sent = text;
  };
  return { push: (token) => { tokens.push(token); emit(false); }, flush: () => emit(true) };
}

/** Answers one question; `onText` receives the answer piece by piece as it is generated. */
export function answerQuestion(pipeline: Pipeline, request: QuestionRequest, options: AnswerOptions & { onText?: (text: string) => void } = {}): string {
  const streamer = options.onText ? textStreamer(pipeline.tokenizer, options.onText) : null;
  const result = generate(pipeline.model, [questionPrompt(pipeline, request)], {
    maxNewTokens: options.maxNewTokens ?? 64,
    temperature: options.temperature ?? 0,
    seed: options.seed ?? 0,
    stopTokens: pipeline.tokenizer.stopIds,
    ...(streamer ? { onToken: (_row: number, token: number) => streamer.push(token) } : {}),
  });
  streamer?.flush();
  return decodeAnswer(pipeline.tokenizer, result.tokens[0]);
}

/** Answers many questions, `batchSize` prompts per generate call (default 16); answers in request order. */
export function answerQuestions(pipeline: Pipeline, requests: readonly QuestionRequest[], options: AnswerOptions & { batchSize?: number } = {}): string[] {
  const batchSize = options.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const answers: string[] = [];
  for (let start = 0; start < requests.length; start += batchSize) {
    const prompts = requests.slice(start, start + batchSize).map((r) => questionPrompt(pipeline, r));
    const result = generate(pipeline.model, prompts, {
      maxNewTokens: options.maxNewTokens ?? 64,
      temperature: options.temperature ?? 0,
      seed: (options.seed ?? 0) + start,
      stopTokens: pipeline.tokenizer.stopIds,
    });
    answers.push(...result.tokens.map((t) => decodeAnswer(pipeline.tokenizer, t)));
  }
  return answers;
}
