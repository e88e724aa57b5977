/**
 * The `quantile` (0–1) of `values` by the nearest-rank method: the smallest value with at least that share
 * of values at or below it. `null` for no values.
 *
 * @param values - any order (not modified).
 * @param quantile - e.g. 0.5, 0.9, 0.99.
 * @example
 * ```ts
 * percentile([5, 1, 3, 2, 4], 0.9); // 5
 * percentile([], 0.5); // null
 * ```
 */
export function percentile(values: readonly number[], quantile: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(quantile * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}
