/**
 * Byte-pair-encoding merge learning over pre-tokenised words.
 */

/**
 * Learns merges from word counts (words are strings of byte-level symbols, one character per
 * symbol). Each step merges the most frequent adjacent pair (ties: the lexicographically smallest
 * "left right"). Stops when every word is a single token, when no pair occurs `minFrequency`
 * times, or after `maxMerges` merges. Deterministic.
 */
export function learnMerges(
  wordCounts: ReadonlyMap<string, number>,
  options: { maxMerges?: number; minFrequency?: number } = {},
): Array<[string, string]> {
  const { maxMerges = Infinity, minFrequency = 1 } = options;
  // Sorting the words makes pair-count iteration order (and thus the result) independent of insertion order.
  const words = [...wordCounts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([w, count]) => ({ symbols: Array.from(w), count }));
  const merges: Array<[string, string]> = [];
  while (merges.length < maxMerges) {
    const pairCounts = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, count] of pairCounts) {
      if (count > bestCount || (count === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = count;
      }
    }
    if (best === undefined || bestCount < minFrequency) break;
    const [left, right] = best.split(' ') as [string, string];
    merges.push([left, right]);
    const merged = left + right;
    for (const word of words) {
      const s = word.symbols;
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === left && s[i + 1] === right) {
          out.push(merged);
          i++;
        } else {
          out.push(s[i]);
        }
      }
      word.symbols = out;
    }
  }
  return merges;
}
