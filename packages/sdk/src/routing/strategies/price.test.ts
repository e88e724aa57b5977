import { describe, expect, it } from "vitest";
import { describeStrategyConformance, testCandidate } from "../../../test/routing/routing.conformance.ts";
import { rankByPrice } from "./price.ts";

describeStrategyConformance("price", { type: "price" });

const context = (inputTokens: bigint, outputTokens: bigint) => ({
  now: 0,
  random: () => 0,
  expectedUsage: { inputTokens, outputTokens },
});

describe("rankByPrice", () => {
  it("test_rank_cheapestExpectedCostFirst", () => {
    const a = testCandidate(1, { inputPrice: 1n, outputPrice: 100n });
    const b = testCandidate(2, { inputPrice: 50n, outputPrice: 50n });
    expect(rankByPrice([a, b], context(1n, 1n))).toEqual([b, a]);
    expect(rankByPrice([a, b], context(1_000n, 10n))).toEqual([a, b]);
  });

  it("test_rank_tie_higherReputationFirst", () => {
    const low = testCandidate(1, { stats: { reputation: 50 } });
    const high = testCandidate(2, { stats: { reputation: 90 } });
    expect(rankByPrice([low, high], context(1n, 1n))).toEqual([high, low]);
  });
});
