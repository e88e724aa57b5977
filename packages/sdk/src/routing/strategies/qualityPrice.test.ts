import { describe, expect, it } from "vitest";
import {
  describeStrategyConformance,
  seededRandom,
  testCandidate,
} from "../../../test/routing/routing.conformance.ts";
import { rankCandidates } from "../rankCandidates.ts";
import { qualityPriceScores, rankByQualityPrice } from "./qualityPrice.ts";

describeStrategyConformance("quality-price", { type: "quality-price" });
describeStrategyConformance("quality-price (priceWeight 1)", { type: "quality-price", priceWeight: 1 });

const context = (seed: number) => ({
  now: 0,
  random: seededRandom(seed),
  expectedUsage: { inputTokens: 1n, outputTokens: 1n },
});

/** How often each candidate comes first over `runs` seeds. */
function firstShares(
  candidates: Parameters<typeof rankByQualityPrice>[0],
  runs = 2_000,
  priceWeight?: number,
) {
  const counts = new Map<string, number>();
  for (let seed = 0; seed < runs; seed++) {
    const first = rankByQualityPrice(candidates, context(seed), { priceWeight })[0]?.address ?? "";
    counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  return candidates.map((candidate) => (counts.get(candidate.address) ?? 0) / runs);
}

describe("rankByQualityPrice", () => {
  it("test_rank_highReputation_alwaysBeforeLow", () => {
    const good = testCandidate(1, { stats: { reputation: 100 } });
    const poor = testCandidate(2, { stats: { reputation: 40 } });
    expect(firstShares([poor, good])).toEqual([0, 1]);
  });

  it("test_rank_lowPrice_preferredAtEqualQuality", () => {
    const cheap = testCandidate(1, { inputPrice: 10n, outputPrice: 10n });
    const dear = testCandidate(2, { inputPrice: 50n, outputPrice: 50n });
    const [cheapScore = 0, dearScore = 0] = qualityPriceScores([cheap, dear], context(0));
    expect(cheapScore).toBeGreaterThan(dearScore);
    const [cheapShare = 0] = firstShares([cheap, dear]);
    expect(cheapShare).toBeGreaterThan(0.55);
    expect(cheapShare).toBeLessThan(0.75);
    // 100× the price: out of the pool, never first.
    const extortionate = testCandidate(3, { inputPrice: 1_000n, outputPrice: 1_000n });
    expect(firstShares([extortionate, cheap])).toEqual([0, 1]);
  });

  it("test_rank_reputationDominatesPrice", () => {
    // Half the price does not make up for reputation 60 against 100.
    const cheapPoor = testCandidate(1, { inputPrice: 5n, outputPrice: 5n, stats: { reputation: 60 } });
    const dearGood = testCandidate(2, { stats: { reputation: 100 } });
    const [poorScore = 0, goodScore = 0] = qualityPriceScores([cheapPoor, dearGood], context(0));
    expect(goodScore).toBeGreaterThan(poorScore);
  });

  it("test_rank_priceWeightZero_ignoresPrice", () => {
    const cheap = testCandidate(1, { inputPrice: 1n, outputPrice: 1n });
    const dear = testCandidate(2, { inputPrice: 1_000n, outputPrice: 1_000n });
    const [a, b] = qualityPriceScores([cheap, dear], context(0), { priceWeight: 0 });
    expect(a).toBe(b);
  });

  it("test_rank_equalSuppliers_loadSpreads", () => {
    const shares = firstShares([testCandidate(1), testCandidate(2), testCandidate(3)], 3_000);
    for (const share of shares) {
      expect(share).toBeGreaterThan(0.28);
      expect(share).toBeLessThan(0.39);
    }
    // Only the top three share the first place.
    const fourth = firstShares(
      [1, 2, 3, 4].map((index) => testCandidate(index, { stats: { reputation: 100 - index } })),
    );
    expect(fourth[3]).toBe(0);
  });

  it("test_rank_newcomer_getsTrafficToProveItself", () => {
    const established = testCandidate(1, {
      stats: { reputation: 100, ttftEwmaMs: 200, tokensPerSecondEwma: 50, successes: 1_000 },
    });
    const newcomer = testCandidate(2); // reputation 80, nothing measured: neutral speed
    const [, newcomerShare = 0] = firstShares([established, newcomer]);
    expect(newcomerShare).toBeGreaterThan(0.35);
    expect(newcomerShare).toBeLessThan(0.5);
  });

  it("test_scores_errorRateAndSpeed_lowerScore", () => {
    const base = testCandidate(1, { stats: { ttftEwmaMs: 100, tokensPerSecondEwma: 100 } });
    const flaky = testCandidate(2, {
      stats: { ttftEwmaMs: 100, tokensPerSecondEwma: 100, errorRateEwma: 0.5 },
    });
    const slow = testCandidate(3, { stats: { ttftEwmaMs: 400, tokensPerSecondEwma: 25 } });
    const [baseScore = 0, flakyScore = 0, slowScore = 0] = qualityPriceScores(
      [base, flaky, slow],
      context(0),
    );
    expect(baseScore).toBeCloseTo(0.8, 10); // reputation 80, everything else best
    expect(flakyScore).toBeCloseTo(0.8 * 0.75, 10);
    expect(slowScore).toBeCloseTo(0.8 * (0.5 + 0.25 * 0.25 + 0.25 * 0.25), 10);
  });

  it("test_rank_viaRankCandidates_usesExpectedUsage", () => {
    const cheapOutput = testCandidate(1, { inputPrice: 100n, outputPrice: 1n });
    const cheapInput = testCandidate(2, { inputPrice: 1n, outputPrice: 100n });
    const firstWith = (inputTokens: number, outputTokens: number) =>
      rankCandidates([cheapOutput, cheapInput], {
        strategy: { type: "quality-price", priceWeight: 4 },
        now: 0,
        random: () => 0.999,
        expectedUsage: { inputTokens, outputTokens },
      }).ranked;
    // priceWeight 4: (1/~10)^4 leaves the dearer one out of the pool.
    expect(firstWith(10, 1_000)[0]).toBe(cheapOutput);
    expect(firstWith(1_000, 10)[0]).toBe(cheapInput);
  });
});
