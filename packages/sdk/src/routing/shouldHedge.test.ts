import { describe, expect, it } from "vitest";
import { shouldHedge } from "./shouldHedge.ts";

describe("shouldHedge", () => {
  it("test_hedge_after500ms_oneHedgeByDefault", () => {
    expect(shouldHedge({ elapsedMs: 499, attemptsStarted: 1 })).toBe(false);
    expect(shouldHedge({ elapsedMs: 500, attemptsStarted: 1 })).toBe(true);
    expect(shouldHedge({ elapsedMs: 5_000, attemptsStarted: 2 })).toBe(false);
  });

  it("test_hedge_moreParallel_staggeredByHedgeAfter", () => {
    const base = { hedgeAfterMs: 200, maxParallel: 3 };
    expect(shouldHedge({ ...base, elapsedMs: 250, attemptsStarted: 2 })).toBe(false);
    expect(shouldHedge({ ...base, elapsedMs: 400, attemptsStarted: 2 })).toBe(true);
    expect(shouldHedge({ ...base, elapsedMs: 10_000, attemptsStarted: 3 })).toBe(false);
  });

  it("test_hedge_offOrFirstByteOrNothingStarted_never", () => {
    expect(shouldHedge({ elapsedMs: 10_000, hedgeAfterMs: null, attemptsStarted: 1 })).toBe(false);
    expect(shouldHedge({ elapsedMs: 10_000, attemptsStarted: 1, firstByteReceived: true })).toBe(false);
    expect(shouldHedge({ elapsedMs: 10_000, attemptsStarted: 0 })).toBe(false);
  });

  it("test_hedge_invalidParameters_throw", () => {
    expect(() => shouldHedge({ elapsedMs: 0, attemptsStarted: 1, hedgeAfterMs: -1 })).toThrow(/hedgeAfterMs/);
    expect(() => shouldHedge({ elapsedMs: 0, attemptsStarted: 1, maxParallel: 0 })).toThrow(/maxParallel/);
  });
});
