import type { Candidate } from "../Candidate.ts";
import { byMeasure, byReputationThenAddress } from "./compare.ts";
import type { StrategyContext } from "./StrategyContext.ts";

/**
 * Strategy `latency`: lowest time to first token first (the TTFT EWMA, or the whole-request latency EWMA
 * for suppliers only measured without streaming); unmeasured suppliers after measured ones; ties by
 * reputation, then address.
 *
 * @example
 * ```ts
 * const ranked = rankByLatency(candidates, context);
 * ```
 */
export function rankByLatency(candidates: readonly Candidate[], _context: StrategyContext): Candidate[] {
  return [...candidates].sort(
    (a, b) =>
      byMeasure(
        a.stats.ttftEwmaMs ?? a.stats.latencyEwmaMs,
        b.stats.ttftEwmaMs ?? b.stats.latencyEwmaMs,
        "ascending",
      ) || byReputationThenAddress(a, b),
  );
}
