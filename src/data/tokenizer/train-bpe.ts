/**
 * Trains the shipped Shapes-world tokenizer and writes it in the Hugging Face layout:
 * `assets/tokenizer/tokenizer.json` (byte-level BPE like Qwen2.5's, with merges learned from the
 * Shapes corpus until every word of it is a single token) and `tokenizer_config.json` (special
 * tokens and the ChatML chat template). Deterministic: re-running reproduces the files byte for byte.
 *
 * Usage: node dist/src/data/tokenizer/train-bpe.js [outDir]   (default: assets/tokenizer)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '@huggingface/tokenizers';
import { writeFileAtomic } from '../../io/atomic.js';
import { learnMerges } from './bpe-trainer.js';
import { CHATML_TEMPLATE } from './chat-template.js';
import { DEFAULT_TOKENIZER_DIR } from './load.js';
import { shapesCorpus } from './shapes-corpus.js';
import { ENDOFTEXT, SPECIAL_TOKENS } from './special-tokens.js';
import { buildTokenizerJson } from './tokenizer-json.js';

/** Largest context the shipped tokenizer declares (model_max_length). */
const MODEL_MAX_LENGTH = 4096;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Counts pre-tokenised words (byte-level strings) in the texts, with special tokens split out
 * first — the same pipeline tokenizer.json runs, executed by @huggingface/tokenizers itself.
 */
export function countWords(texts: readonly string[], specialTokens: readonly string[]): Map<string, number> {
  const pipeline = new Tokenizer(buildTokenizerJson([], specialTokens), {});
  const specials = new RegExp(specialTokens.map(escapeRegExp).join('|'), 'g');
  // Pre-tokenising is the slow part, so do it once per distinct segment.
  const segments = new Map<string, number>();
  for (const text of texts) {
    for (const segment of text.split(specials)) {
      if (segment !== '') segments.set(segment, (segments.get(segment) ?? 0) + 1);
    }
  }
  const counts = new Map<string, number>();
  for (const [segment, n] of segments) {
    const normalized = pipeline.normalizer ? pipeline.normalizer(segment) : segment;
    const words = pipeline.pre_tokenizer ? pipeline.pre_tokenizer(normalized) : [normalized];
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + n);
  }
  return counts;
}

/** tokenizer_config.json contents for the shipped tokenizer, with `firstSpecialId` the id of the first special token. */
export function buildTokenizerConfig(firstSpecialId: number): Record<string, unknown> {
  const decoder: Record<string, unknown> = {};
  SPECIAL_TOKENS.forEach((content, i) => {
    decoder[String(firstSpecialId + i)] = { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
  });
  return {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: decoder,
    additional_special_tokens: SPECIAL_TOKENS.filter((t) => t !== ENDOFTEXT),
    bos_token: null,
    chat_template: CHATML_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: ENDOFTEXT,
    errors: 'replace',
    model_max_length: MODEL_MAX_LENGTH,
    pad_token: ENDOFTEXT,
    split_special_tokens: false,
    tokenizer_class: 'Qwen2Tokenizer',
    unk_token: null,
  };
}

/** The two files' contents, as written to disk. */
export function buildShapesTokenizerFiles(): { tokenizerJson: string; tokenizerConfig: string } {
  const merges = learnMerges(countWords(shapesCorpus(), SPECIAL_TOKENS));
  const json = buildTokenizerJson(merges, SPECIAL_TOKENS);
  const firstSpecialId = 256 + merges.length;
  return {
    tokenizerJson: JSON.stringify(json, null, 2) + '\n',
    tokenizerConfig: JSON.stringify(buildTokenizerConfig(firstSpecialId), null, 2) + '\n',
  };
}

/** Writes the files into `outDir`. */
export function writeShapesTokenizer(outDir: string = DEFAULT_TOKENIZER_DIR): void {
  const files = buildShapesTokenizerFiles();
  writeFileAtomic(path.join(outDir, 'tokenizer.json'), files.tokenizerJson);
  writeFileAtomic(path.join(outDir, 'tokenizer_config.json'), files.tokenizerConfig);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ?? DEFAULT_TOKENIZER_DIR;
  writeShapesTokenizer(outDir);
  console.log(`wrote ${path.join(outDir, 'tokenizer.json')} and tokenizer_config.json`);
}
