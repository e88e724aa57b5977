import { describe, expect, it } from "vitest";
import { describeStrategyConformance, testCandidate } from "../../../test/routing/routing.conformance.ts";
import { rankByThroughput } from "./throughput.ts";

describeStrategyConformance("throughput", { type: "throughput" });

const context = { now: 0, random: () => 0, expectedUsage: { inputTokens: 1n, outputTokens: 1n } };

describe("rankByThroughput", () => {
  it("test_rank_mostTokensPerSecondFirst_unmeasuredLast", () => {
    const slow = testCandidate(1, { stats: { tokensPerSecondEwma: 10 } });
    const fast = testCandidate(2, { stats: { tokensPerSecondEwma: 80 } });
    const unmeasured = testCandidate(3);
    expect(rankByThroughput([unmeasured, slow, fast], context)).toEqual([fast, slow, unmeasured]);
  });
});
