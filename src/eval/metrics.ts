/** Understanding metrics: POPE yes/no, MVBench-style multiple choice, and open-question exact match. */

/**
 * POPE's answer parsing (evaluate.py of the POPE repository): keep the text before the first '.',
 * drop commas, split on spaces; the answer is 'no' if any word is 'No', 'no' or 'not', else 'yes'.
 */
export function parsePopeAnswer(text: string): 'yes' | 'no' {
  let t = text;
  const dot = t.indexOf('.');
  if (dot !== -1) t = t.slice(0, dot);
  const words = t.replace(/,/g, '').split(' ');
  return words.includes('No') || words.includes('not') || words.includes('no') ? 'no' : 'yes';
}

export interface PopeMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** share of answers that are 'yes' */
  yesRatio: number;
  count: number;
}

/** POPE metrics with 'yes' as the positive class (0 where undefined, e.g. no positives predicted). */
export function popeMetrics(pairs: readonly { predicted: 'yes' | 'no'; truth: 'yes' | 'no' }[]): PopeMetrics {
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (const { predicted, truth } of pairs) {
    if (predicted === 'yes') { if (truth === 'yes') tp++; else fp++; }
    else if (truth === 'no') tn++; else fn++;
  }
  const n = pairs.length;
  const precision = tp + fp ? tp / (tp + fp) : 0, recall = tp + fn ? tp / (tp + fn) : 0;
  return {
    accuracy: n ? (tp + tn) / n : 0,
    precision, recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    yesRatio: n ? (tp + fp) / n : 0,
    count: n,
  };
}

/**
 * The option letter of a multiple-choice answer, as MVBench's check_ans reads it: lower-case, drop
 * parentheses, take the first word; a bare letter a-z (optionally followed by '.' or ':') counts.
 * Returns null when the answer does not start with an option letter.
 */
export function parseOptionLetter(text: string): string | null {
  const first = text.toLowerCase().replace(/[()]/g, '').trim().split(/\s+/)[0] ?? '';
  const m = /^([a-z])[.:]?$/.exec(first);
  return m ? m[1].toUpperCase() : null;
}

/** Normalises an open answer for exact match: lower-case, no punctuation, single spaces, no articles. */
export function normalizeAnswer(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9\s-]/g, ' ').split(/\s+/).filter((w) => w && !['a', 'an', 'the'].includes(w)).join(' ');
}

export function exactMatch(predicted: string, truth: string): boolean {
  return normalizeAnswer(predicted) === normalizeAnswer(truth);
}
