import type { Candidate } from "../Candidate.ts";
import { byMeasure, byReputationThenAddress } from "./compare.ts";
import type { StrategyContext } from "./StrategyContext.ts";

/**
 * Strategy `throughput`: most output tokens per second (EWMA) first; unmeasured suppliers after measured
 * ones; ties by reputation, then address.
 *
 * @example
 * ```ts
 * const ranked = rankByThroughput(candidates, context);
 * ```
 */
export function rankByThroughput(candidates: readonly Candidate[], _context: StrategyContext): Candidate[] {
  return [...candidates].sort(
    (a, b) =>
      byMeasure(a.stats.tokensPerSecondEwma, b.stats.tokensPerSecondEwma, "descending") ||
      byReputationThenAddress(a, b),
  );
}
