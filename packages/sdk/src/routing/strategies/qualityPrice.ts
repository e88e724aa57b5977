import type { Candidate } from "../Candidate.ts";
import { byReputationThenAddress, expectedCost } from "./compare.ts";
import { pickIndex } from "./random.ts";
import type { StrategyContext } from "./StrategyContext.ts";

/** Defaults of the `quality-price` strategy. */
export const QUALITY_PRICE_DEFAULTS = {
  /** Exponent of the price factor: 0 ignores price, 1 is linear value for money. */
  priceWeight: 0.3,
  /** How many of the best-scored candidates share the first place by weighted-random choice. */
  poolSize: 3,
  /** A candidate joins that pool only with a score ≥ this fraction of the best score. */
  poolFloor: 0.5,
} as const;

/** Options of {@link rankByQualityPrice}. */
export type QualityPriceOptions = { priceWeight?: number };

/**
 * The `quality-price` score of each candidate, in (0, 1] for a healthy supplier (0 at reputation 0):
 *
 * ```
 * score = reputation / 100                                  ∈ [0, 1]   (dominant)
 *       × (1 − errorRateEwma / 2)                            ∈ [0.5, 1]
 *       × (0.5 + 0.25 · ttftScore + 0.25 · throughputScore)  ∈ [0.5, 1]
 *       × (cheapestCost / cost) ^ priceWeight                ∈ [0, 1]   (priceWeight default 0.3)
 * ```
 * `ttftScore = fastestTtft / ttft` and `throughputScore = tokensPerSecond / fastestTokensPerSecond`,
 * relative to the other candidates (scale-free); a supplier not yet measured gets the mean score of the
 * measured ones (neutral, so newcomers are neither punished nor favoured). `cost` is the expected cost of
 * the request at the supplier's prices (`inputPrice · inputTokens + outputPrice · outputTokens`).
 * With the defaults a 2× price costs a factor 0.81 and a 10× price 0.5, while reputation spans 0 to 1:
 * reputation dominates, price decides between equally good suppliers.
 *
 * @param candidates - the candidates to score (scores are relative to this set).
 * @param context - `expectedUsage` weights input vs output price.
 * @param options - `priceWeight` (default 0.3).
 * @returns the scores, in the candidates' order.
 * @example
 * ```ts
 * const scores = qualityPriceScores(candidates, context, { priceWeight: 0.5 });
 * ```
 */
export function qualityPriceScores(
  candidates: readonly Candidate[],
  context: Pick<StrategyContext, "expectedUsage">,
  { priceWeight = QUALITY_PRICE_DEFAULTS.priceWeight }: QualityPriceOptions = {},
): number[] {
  const ttfts = candidates.map(({ stats }) => measureOrNull(stats.ttftEwmaMs ?? stats.latencyEwmaMs));
  const throughputs = candidates.map(({ stats }) => measureOrNull(stats.tokensPerSecondEwma));
  const fastestTtft = Math.min(...ttfts.filter(isNumber).map((ttft) => Math.max(ttft, 1)));
  const bestThroughput = Math.max(...throughputs.filter(isNumber));
  const ttftScores = withNeutralForUnknown(
    ttfts.map((ttft) => (ttft === null ? null : fastestTtft / Math.max(ttft, 1))),
  );
  const throughputScores = withNeutralForUnknown(
    throughputs.map((tps) => (tps === null ? null : bestThroughput > 0 ? tps / bestThroughput : 1)),
  );
  const costs = candidates.map((candidate) => expectedCost(candidate, context));
  const cheapest =
    costs.reduce<bigint | null>((low, cost) => (low === null || cost < low ? cost : low), null) ?? 0n;

  return candidates.map(({ stats }, index) => {
    const reputation = clamp(stats.reputation, 0, 100) / 100;
    const reliability = 1 - clamp(stats.errorRateEwma, 0, 1) / 2;
    const speed = 0.5 + 0.25 * (ttftScores[index] ?? 1) + 0.25 * (throughputScores[index] ?? 1);
    const cost = costs[index] ?? 0n;
    const priceRatio = cost === 0n ? 1 : Number((cheapest * 1_000_000_000n) / cost) / 1e9;
    return reputation * reliability * speed * priceRatio ** priceWeight;
  });
}

/**
 * Strategy `quality-price` (the default): scores with {@link qualityPriceScores}, then picks the order of
 * the top pool — up to 3 candidates scoring ≥ half the best — by weighted-random sampling without
 * replacement (weight = score), so load spreads over good suppliers in proportion to their score and a
 * newcomer (reputation 80) gets enough traffic to prove itself. The rest follow by score. Deterministic
 * for a fixed `context.random`.
 *
 * @param candidates - the candidates to rank.
 * @param context - `random`, `expectedUsage`.
 * @param options - `priceWeight` (default 0.3).
 * @example
 * ```ts
 * const ranked = rankByQualityPrice(candidates, context, { priceWeight: 0.3 });
 * ```
 */
export function rankByQualityPrice(
  candidates: readonly Candidate[],
  context: StrategyContext,
  options: QualityPriceOptions = {},
): Candidate[] {
  const sorted = sortByQualityPrice(candidates, context, options);
  const best = sorted[0]?.score ?? 0;
  let poolLength = 0;
  while (
    poolLength < Math.min(QUALITY_PRICE_DEFAULTS.poolSize, sorted.length) &&
    (sorted[poolLength]?.score ?? 0) >= QUALITY_PRICE_DEFAULTS.poolFloor * best
  ) {
    poolLength++;
  }
  const pool = sorted.slice(0, poolLength);
  const ranked: Candidate[] = [];
  while (pool.length > 1) {
    const total = pool.reduce((sum, entry) => sum + entry.score, 0);
    const index =
      total > 0
        ? pickWeighted(pool, clamp(context.random(), 0, 1) * total)
        : pickIndex(context.random(), pool.length);
    ranked.push((pool.splice(index, 1)[0] as { candidate: Candidate }).candidate);
  }
  return [...ranked, ...[...pool, ...sorted.slice(poolLength)].map((entry) => entry.candidate)];
}

/**
 * The candidates by descending quality-price score, ties by reputation then address (no randomness).
 *
 * @example
 * ```ts
 * const [best] = sortByQualityPrice(candidates, context);
 * ```
 */
export function sortByQualityPrice(
  candidates: readonly Candidate[],
  context: Pick<StrategyContext, "expectedUsage">,
  options: QualityPriceOptions = {},
): { candidate: Candidate; score: number }[] {
  const scores = qualityPriceScores(candidates, context, options);
  return candidates
    .map((candidate, index) => ({ candidate, score: scores[index] ?? 0 }))
    .sort((a, b) => b.score - a.score || byReputationThenAddress(a.candidate, b.candidate));
}

/** The entry whose cumulative score interval contains `draw` (the last one when rounding overshoots). */
function pickWeighted(pool: readonly { score: number }[], draw: number): number {
  let cumulative = 0;
  for (let index = 0; index < pool.length; index++) {
    cumulative += pool[index]?.score ?? 0;
    if (draw < cumulative) return index;
  }
  return pool.length - 1;
}

function withNeutralForUnknown(scores: (number | null)[]): number[] {
  const known = scores.filter(isNumber);
  const neutral = known.length === 0 ? 1 : known.reduce((sum, score) => sum + score, 0) / known.length;
  return scores.map((score) => score ?? neutral);
}

function measureOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) && value >= 0 ? value : null;
}

function isNumber(value: number | null): value is number {
  return value !== null;
}

function clamp(value: number, low: number, high: number): number {
  return Number.isFinite(value) ? Math.min(Math.max(value, low), high) : low;
}
