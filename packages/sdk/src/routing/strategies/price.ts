import type { Candidate } from "../Candidate.ts";
import { byReputationThenAddress, expectedCost } from "./compare.ts";
import type { StrategyContext } from "./StrategyContext.ts";

/**
 * Strategy `price`: cheapest expected cost first (`inputPrice · inputTokens + outputPrice · outputTokens`,
 * 1 : 1 when the request's size is unknown); ties by reputation, then address.
 *
 * @example
 * ```ts
 * const ranked = rankByPrice(candidates, { now, random: Math.random, expectedUsage: { inputTokens: 1n, outputTokens: 1n } });
 * ```
 */
export function rankByPrice(candidates: readonly Candidate[], context: StrategyContext): Candidate[] {
  const costs = new Map(candidates.map((candidate) => [candidate, expectedCost(candidate, context)]));
  return [...candidates].sort((a, b) => {
    const left = costs.get(a) ?? 0n;
    const right = costs.get(b) ?? 0n;
    return left !== right ? (left < right ? -1 : 1) : byReputationThenAddress(a, b);
  });
}
