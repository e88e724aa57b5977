import { describe, expect, it } from "vitest";
import { describeStrategyConformance, testCandidate } from "../../../test/routing/routing.conformance.ts";
import { rankByLatency } from "./latency.ts";

describeStrategyConformance("latency", { type: "latency" });

const context = { now: 0, random: () => 0, expectedUsage: { inputTokens: 1n, outputTokens: 1n } };

describe("rankByLatency", () => {
  it("test_rank_lowestTtftFirst_unmeasuredLast", () => {
    const slow = testCandidate(1, { stats: { ttftEwmaMs: 900 } });
    const fast = testCandidate(2, { stats: { ttftEwmaMs: 120 } });
    const unmeasured = testCandidate(3);
    const nonStreamed = testCandidate(4, { stats: { latencyEwmaMs: 400 } });
    expect(rankByLatency([unmeasured, slow, nonStreamed, fast], context)).toEqual([
      fast,
      nonStreamed,
      slow,
      unmeasured,
    ]);
  });
});
