import { describe, expect, it } from "vitest";
import { recordFailure } from "./recordFailure.ts";
import { recordSuccess } from "./recordSuccess.ts";
import { createSupplierStats, INITIAL_REPUTATION } from "./SupplierStats.ts";

const fresh = () =>
  createSupplierStats({
    address: "0xAB00000000000000000000000000000000000001",
    endpoint: "https://a.example",
    now: 0,
  });

describe("createSupplierStats", () => {
  it("test_create_startsAt80_unmeasured_lowercased", () => {
    const stats = fresh();
    expect(stats).toMatchObject({
      address: "0xab00000000000000000000000000000000000001",
      reputation: INITIAL_REPUTATION,
      ttftEwmaMs: null,
      tokensPerSecondEwma: null,
      latencyEwmaMs: null,
      errorRateEwma: 0,
      cooldownUntil: 0,
      probation: false,
    });
    expect(INITIAL_REPUTATION).toBe(80);
  });
});

describe("recordSuccess", () => {
  it("test_recordSuccess_plusOne_cappedAt100", () => {
    let stats = fresh();
    stats = recordSuccess(stats, { latencyMs: 100, now: 1 });
    expect(stats.reputation).toBe(81);
    for (let index = 0; index < 50; index++) stats = recordSuccess(stats, { latencyMs: 100, now: 2 + index });
    expect(stats.reputation).toBe(100);
    expect(stats.successes).toBe(51);
  });

  it("test_recordSuccess_ewma_firstSampleThenAlpha", () => {
    let stats = recordSuccess(fresh(), { ttftMs: 100, tokensPerSecond: 50, latencyMs: 1_000, now: 1 });
    expect(stats).toMatchObject({ ttftEwmaMs: 100, tokensPerSecondEwma: 50, latencyEwmaMs: 1_000 });
    stats = recordSuccess(stats, { ttftMs: 200, tokensPerSecond: 100, latencyMs: 2_000, now: 2 });
    expect(stats.ttftEwmaMs).toBeCloseTo(120, 10);
    expect(stats.tokensPerSecondEwma).toBeCloseTo(60, 10);
    expect(stats.latencyEwmaMs).toBeCloseTo(1_200, 10);
    // Configurable alpha; unmeasured fields untouched.
    const half = recordSuccess(stats, { latencyMs: 2_200, now: 3 }, { alpha: 0.5 });
    expect(half.latencyEwmaMs).toBeCloseTo(1_700, 10);
    expect(half.ttftEwmaMs).toBe(stats.ttftEwmaMs);
    // Garbage samples are ignored.
    expect(recordSuccess(stats, { ttftMs: Number.NaN, latencyMs: -1, now: 4 }).latencyEwmaMs).toBe(
      stats.latencyEwmaMs,
    );
  });

  it("test_recordSuccess_afterFailures_errorRateDecays_cooldownCleared", () => {
    let stats = recordFailure(fresh(), { kind: "5xx", now: 10 });
    expect(stats.cooldownUntil).toBe(1_010);
    stats = recordSuccess(stats, { latencyMs: 100, now: 20 });
    expect(stats.errorRateEwma).toBeCloseTo(0.16, 12);
    expect(stats.cooldownUntil).toBe(0);
    expect(stats.consecutiveFailures).toBe(0);
    expect(stats.failures).toBe(1);
    expect(stats.reputation).toBe(56);
  });

  it("test_recordSuccess_lateTimestamp_keepsLastUpdatedMonotonic", () => {
    const stats = recordSuccess(fresh(), { latencyMs: 100, now: 500 });
    expect(recordSuccess(stats, { latencyMs: 100, now: 100 }).lastUpdated).toBe(500);
  });
});
