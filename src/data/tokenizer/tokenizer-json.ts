/**
 * Builds a Hugging Face `tokenizer.json` for a byte-level BPE with the same pipeline as Qwen2.5:
 * NFC normalisation, Qwen2's pre-tokenisation regex, GPT-2 byte-to-unicode mapping, BPE merges,
 * ByteLevel decoding, and added special tokens after the BPE vocabulary.
 */

/** Qwen2 / Qwen2.5 pre-tokenisation pattern (Oniguruma syntax, as stored in tokenizer.json). */
export const QWEN2_SPLIT_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/**
 * GPT-2's reversible byte -> printable character map, in vocabulary order: printable bytes keep
 * their own code point, the others are shifted to 256 + n. Entry i is [byte, character].
 */
export function byteLevelAlphabet(): Array<[number, string]> {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = bytes.map((b) => String.fromCodePoint(b));
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    if (bytes.includes(b)) continue;
    bytes.push(b);
    chars.push(String.fromCodePoint(256 + shifted++));
  }
  return bytes.map((b, i) => [b, chars[i]]);
}

const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };

/**
 * The tokenizer.json object. Ids: 0-255 the byte alphabet, then one token per merge in merge
 * order, then the special tokens.
 */
export function buildTokenizerJson(merges: ReadonlyArray<readonly [string, string]>, specialTokens: readonly string[]): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  let next = 0;
  for (const [, ch] of byteLevelAlphabet()) vocab[ch] = next++;
  for (const [a, b] of merges) {
    if (a + b in vocab) throw new Error(`merge ${a} + ${b} produces an existing token`);
    vocab[a + b] = next++;
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialTokens.map((content, i) => ({
      id: next + i,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'NFC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: QWEN2_SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
        BYTE_LEVEL,
      ],
    },
    post_processor: BYTE_LEVEL,
    decoder: BYTE_LEVEL,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      // Qwen2.5's format: "left right" (byte-level tokens never contain a space).
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}
