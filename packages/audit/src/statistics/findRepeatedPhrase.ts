export type FindRepeatedPhraseReturnType = {
  /** The most repeated phrase (empty when the sequence is shorter than `ngram`). */
  phrase: number[];
  /** How many times it occurs (overlapping occurrences count). */
  count: number;
};

/**
 * The `ngram`-token phrase that occurs most often in `tokens`, and how often (the first such phrase on ties).
 *
 * @param tokens - token ids.
 * @param ngram - phrase length in tokens.
 * @example
 * ```ts
 * findRepeatedPhrase([1, 2, 1, 2, 1, 2], 2); // { phrase: [1, 2], count: 3 }
 * ```
 */
export function findRepeatedPhrase(tokens: readonly number[], ngram: number): FindRepeatedPhraseReturnType {
  const counts = new Map<string, number>();
  let best: FindRepeatedPhraseReturnType = { phrase: [], count: 0 };
  for (let start = 0; start + ngram <= tokens.length; start++) {
    const phrase = tokens.slice(start, start + ngram);
    const key = phrase.join(",");
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    if (count > best.count) best = { phrase, count };
  }
  return best;
}
