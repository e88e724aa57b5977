import type { Candidate } from "../Candidate.ts";

/** What a strategy may read besides the candidates. */
export type StrategyContext = {
  /** Current time, ms. */
  now: number;
  /** Uniform in [0, 1); the only source of randomness (inject a seeded one in tests). */
  random: () => number;
  /** Expected tokens of this request, weighting input vs output price. */
  expectedUsage: { inputTokens: bigint; outputTokens: bigint };
};

/** A strategy: returns the candidates (all of them, none added) in preference order. */
export type RankStrategy = (candidates: readonly Candidate[], context: StrategyContext) => Candidate[];
