import type { Candidate } from "../Candidate.ts";
import type { StrategyContext } from "./StrategyContext.ts";

/** Expected cost of the request at this candidate's prices, token wei. */
export function expectedCost(
  candidate: Candidate,
  { expectedUsage }: Pick<StrategyContext, "expectedUsage">,
): bigint {
  return (
    candidate.inputPrice * expectedUsage.inputTokens + candidate.outputPrice * expectedUsage.outputTokens
  );
}

/** Final tie-break: higher reputation, then address (so every ordering is total and deterministic). */
export function byReputationThenAddress(a: Candidate, b: Candidate): number {
  if (a.stats.reputation !== b.stats.reputation) return b.stats.reputation - a.stats.reputation;
  const left = a.address.toLowerCase();
  const right = b.address.toLowerCase();
  if (left !== right) return left < right ? -1 : 1;
  return a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0;
}

/** Orders measured values (ascending, or descending) before unmeasured (`null`) ones. */
export function byMeasure(a: number | null, b: number | null, direction: "ascending" | "descending"): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  if (a === b) return 0;
  return direction === "ascending" ? a - b : b - a;
}
