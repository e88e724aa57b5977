import { describe, expect, it } from "vitest";
import {
  describeStrategyConformance,
  seededRandom,
  testCandidate,
} from "../../../test/routing/routing.conformance.ts";
import { pickIndex, rankRandomly } from "./random.ts";

describeStrategyConformance("random", { type: "random" });

describe("rankRandomly", () => {
  const candidates = [1, 2, 3].map((index) => testCandidate(index));

  it("test_rank_allPermutations_roughlyUniform", () => {
    const counts = new Map<string, number>();
    const runs = 6_000;
    for (let seed = 0; seed < runs; seed++) {
      const context = {
        now: 0,
        random: seededRandom(seed),
        expectedUsage: { inputTokens: 1n, outputTokens: 1n },
      };
      const key = rankRandomly(candidates, context)
        .map((candidate) => candidate.address.slice(-1))
        .join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const count of counts.values()) expect(count / runs).toBeGreaterThan(0.13);
  });

  it("test_rank_inputOrder_doesNotMatter", () => {
    const context = () => ({
      now: 0,
      random: seededRandom(7),
      expectedUsage: { inputTokens: 1n, outputTokens: 1n },
    });
    expect(rankRandomly(candidates, context())).toEqual(rankRandomly([...candidates].reverse(), context()));
  });

  it("test_pickIndex_outOfRangeDraws_stayInRange", () => {
    expect(pickIndex(1, 3)).toBe(2);
    expect(pickIndex(-5, 3)).toBe(0);
    expect(pickIndex(Number.NaN, 3)).toBe(0);
    expect(pickIndex(0.5, 3)).toBe(1);
  });
});
