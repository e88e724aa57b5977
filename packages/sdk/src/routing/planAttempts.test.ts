import { describe, expect, it } from "vitest";
import { testCandidate } from "../../test/routing/routing.conformance.ts";
import { planAttempts } from "./planAttempts.ts";

describe("planAttempts", () => {
  const ranked = [1, 2, 3, 4].map((index) => testCandidate(index));

  it("test_plan_defaultThreeAttempts_inRankOrder", () => {
    expect(planAttempts(ranked)).toEqual(ranked.slice(0, 3));
    expect(planAttempts(ranked, { maxAttempts: 10 })).toEqual(ranked);
    expect(planAttempts([])).toEqual([]);
  });

  it("test_plan_noFallbacks_oneAttempt", () => {
    expect(planAttempts(ranked, { allowFallbacks: false, maxAttempts: 3 })).toEqual(ranked.slice(0, 1));
  });

  it("test_plan_sameSupplierTwice_triedOnce", () => {
    const [first, second] = ranked as [(typeof ranked)[0], (typeof ranked)[0]];
    const duplicate = { ...first, address: first.address.toUpperCase().replace("0X", "0x") };
    expect(planAttempts([first, duplicate, second], { maxAttempts: 2 })).toEqual([first, second]);
  });

  it("test_plan_invalidMaxAttempts_throws", () => {
    expect(() => planAttempts(ranked, { maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => planAttempts(ranked, { maxAttempts: 1.5 })).toThrow(/maxAttempts/);
  });
});
