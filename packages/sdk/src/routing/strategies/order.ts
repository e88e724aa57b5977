import type { Candidate } from "../Candidate.ts";
import { supplierIdMatcher } from "../supplierId.ts";
import { sortByQualityPrice } from "./qualityPrice.ts";
import type { StrategyContext } from "./StrategyContext.ts";

/**
 * Strategy `order`: the suppliers named in `order` (addresses or endpoint URLs, any case) first, in that
 * order; then the others by quality-price score (deterministic: no weighted-random pick, since the
 * operator chose a fixed preference).
 *
 * @param candidates - the candidates to rank.
 * @param context - `expectedUsage` (for the score of the unlisted ones).
 * @param order - the preferred suppliers.
 * @example
 * ```ts
 * const ranked = rankByOrder(candidates, context, ["0xA…", "https://backup.example"]);
 * ```
 */
export function rankByOrder(
  candidates: readonly Candidate[],
  context: StrategyContext,
  order: readonly string[],
): Candidate[] {
  const listed = supplierIdMatcher(order);
  const positions = new Map(candidates.map((candidate) => [candidate, listed.indexOf(candidate)]));
  const named = candidates
    .filter((candidate) => (positions.get(candidate) ?? -1) >= 0)
    .sort((a, b) => (positions.get(a) ?? 0) - (positions.get(b) ?? 0));
  const rest = sortByQualityPrice(
    candidates.filter((candidate) => (positions.get(candidate) ?? -1) < 0),
    context,
  ).map((entry) => entry.candidate);
  return [...named, ...rest];
}
