/**
 * Tokenizers in the Hugging Face layout: a folder with `tokenizer.json` (the tokenisation
 * pipeline, run by @huggingface/tokenizers) and `tokenizer_config.json` (special-token names and the
 * Jinja `chat_template`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '@huggingface/tokenizers';
import { ChatTemplate, type ChatMessage, type ChatTemplateOptions } from './chat-template.js';
import { ENDOFTEXT, IMAGE_TOKEN, IM_END, IM_START, VIDEO_TOKEN } from './special-tokens.js';

/** The tokenizer shipped with the project, for the Shapes world (assets/tokenizer). */
export const DEFAULT_TOKENIZER_DIR = fileURLToPath(new URL('../../../../assets/tokenizer/', import.meta.url));

export interface HaploTokenizer {
  /** Token ids of `text`; special-token strings in the text map to their single ids. */
  encode(text: string): number[];
  /** Text of `ids`; special tokens are kept unless skipSpecialTokens. */
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  /** Id of a token that must exist in the vocabulary, e.g. "<video>". */
  tokenId(token: string): number;
  /** Renders messages with the tokenizer's chat template (text, not ids). */
  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string;
  /** One more than the largest id (embedding table rows). */
  readonly vocabSize: number;
  readonly eosId: number;
  readonly padId: number;
  readonly imStartId: number;
  readonly imEndId: number;
  readonly imageId: number;
  readonly videoId: number;
  /** Ids that end an assistant turn: <|im_end|> and the eos token. */
  readonly stopIds: readonly number[];
  /** The Jinja chat template, if the config has one. */
  readonly chatTemplate: string | undefined;
}

type TokenizerConfig = Record<string, unknown>;

/** Texts up to this length have their encodings cached, up to this many at a time. */
const ENCODE_CACHE_MAX_CHARS = 256;
const ENCODE_CACHE_ENTRIES = 50_000;

/** A special-token field of tokenizer_config.json: a string, an {content} object or null. */
function tokenName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (e as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Loads `dir/tokenizer.json` and `dir/tokenizer_config.json` (the latter optional).
 * Throws an error naming the file and the problem when something is missing or malformed.
 */
export function loadTokenizer(dir: string = DEFAULT_TOKENIZER_DIR): HaploTokenizer {
  const tokenizerJson = readJson(path.join(dir, 'tokenizer.json'));
  const configFile = path.join(dir, 'tokenizer_config.json');
  const config: TokenizerConfig = existsSync(configFile) ? readJson(configFile) : {};
  return tokenizerFromJson(tokenizerJson, config, dir);
}

/** Builds the wrapper from already-parsed files; `origin` names them in error messages. */
export function tokenizerFromJson(tokenizerJson: Record<string, unknown>, config: TokenizerConfig, origin = 'tokenizer'): HaploTokenizer {
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(tokenizerJson, config);
  } catch (e) {
    throw new Error(`${origin}: tokenizer.json is not a supported tokenizer: ${(e as Error).message}`);
  }
  const vocab = tok.get_vocab(true);
  const tokenId = (token: string): number => {
    const id = vocab.get(token);
    if (id === undefined) throw new Error(`${origin}: token ${JSON.stringify(token)} is not in the vocabulary`);
    return id;
  };
  const eosToken = tokenName(config.eos_token) ?? ENDOFTEXT;
  const padToken = tokenName(config.pad_token) ?? eosToken;
  const chatSource = typeof config.chat_template === 'string' ? config.chat_template : undefined;
  const template = chatSource
    ? new ChatTemplate(chatSource, {
        ...(tokenName(config.bos_token) ? { bos_token: tokenName(config.bos_token) } : {}),
        eos_token: eosToken,
        pad_token: padToken,
      })
    : undefined;
  const eosId = tokenId(eosToken);
  const imEndId = tokenId(IM_END);
  let vocabSize = 0;
  for (const id of vocab.values()) vocabSize = Math.max(vocabSize, id + 1);

  const encoded = new Map<string, readonly number[]>();
  return {
    encode: (text) => {
      // Training tokenises the same short pieces (questions, answers, chat headers) over and over.
      if (text.length > ENCODE_CACHE_MAX_CHARS) return tok.encode(text, { add_special_tokens: false }).ids;
      const hit = encoded.get(text);
      if (hit) return [...hit];
      if (encoded.size >= ENCODE_CACHE_ENTRIES) encoded.clear();
      const ids = tok.encode(text, { add_special_tokens: false }).ids;
      encoded.set(text, [...ids]);
      return ids;
    },
    // The library rejects an empty list; the text of no tokens is "".
    decode: (ids, options = {}) =>
      ids.length === 0 ? '' : tok.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? false, clean_up_tokenization_spaces: false }),
    tokenId,
    applyChatTemplate: (messages, options) => {
      if (!template) throw new Error(`${origin}: tokenizer_config.json has no chat_template`);
      return template.render(messages, options);
    },
    vocabSize,
    eosId,
    padId: tokenId(padToken),
    imStartId: tokenId(IM_START),
    imEndId,
    imageId: tokenId(IMAGE_TOKEN),
    videoId: tokenId(VIDEO_TOKEN),
    stopIds: eosId === imEndId ? [imEndId] : [imEndId, eosId],
    chatTemplate: chatSource,
  };
}
