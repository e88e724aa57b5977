import { describe, expect, it } from "vitest";
import { testCandidate } from "../../test/routing/routing.conformance.ts";
import { isAvailable } from "./isAvailable.ts";
import { rankCandidates } from "./rankCandidates.ts";
import { recordFailure } from "./recordFailure.ts";
import { recordSuccess } from "./recordSuccess.ts";
import { createSupplierStats, type FailureKind } from "./SupplierStats.ts";

const fresh = () =>
  createSupplierStats({
    address: "0xAB00000000000000000000000000000000000001",
    endpoint: "https://a.example",
    now: 0,
  });

describe("recordFailure", () => {
  it.each([
    ["connect", 55],
    ["timeout", 70],
    ["5xx", 55],
    ["refusal", 75],
    ["bad-receipt", 30],
    ["audit-fail", 30],
    ["stream-broken", 65],
  ] as [FailureKind, number][])("test_recordFailure_%s_appliesReputationDelta", (kind, expected) => {
    const stats = recordFailure(fresh(), { kind, now: 10 });
    expect(stats.reputation).toBe(expected);
    expect(stats.failures).toBe(1);
    expect(stats.consecutiveFailures).toBe(1);
    expect(stats.errorRateEwma).toBeCloseTo(0.2, 12);
    expect(stats.lastUpdated).toBe(10);
  });

  it("test_recordFailure_reputation_flooredAtZero_andProbationBelow30", () => {
    let stats = fresh();
    stats = recordFailure(stats, { kind: "audit-fail", now: 1 });
    expect(stats.probation).toBe(false); // 30
    stats = recordFailure(stats, { kind: "refusal", now: 2 });
    expect(stats.reputation).toBe(25);
    expect(stats.probation).toBe(true);
    stats = recordFailure(stats, { kind: "audit-fail", now: 3 });
    expect(stats.reputation).toBe(0);
    // Back above the threshold: off probation.
    for (let index = 0; index < 30; index++)
      stats = recordSuccess(stats, { latencyMs: 100, now: 100 + index });
    expect(stats.reputation).toBe(30);
    expect(stats.probation).toBe(false);
  });

  it("test_recordFailure_consecutive_backsOffExponentially_cappedAt60s", () => {
    let stats = fresh();
    const cooldowns: number[] = [];
    for (let index = 0; index < 9; index++) {
      const now = 1_000_000 + index;
      stats = recordFailure(stats, { kind: "timeout", now });
      cooldowns.push(stats.cooldownUntil - now);
    }
    expect(cooldowns).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    // Many failures: 2^n overflows but the cap holds.
    const many = { ...stats, consecutiveFailures: 5_000 };
    expect(recordFailure(many, { kind: "timeout", now: 0 }).cooldownUntil).toBe(
      Math.max(stats.cooldownUntil, 60_000),
    );
  });

  it("test_recordFailure_failingSupplier_cooledDown_thenRecovers", () => {
    // The cheapest supplier refuses three times in a row (−5 each: still off probation).
    let failing = testCandidate(1, { inputPrice: 1n, outputPrice: 1n, stats: { reputation: 100 } });
    const steady = testCandidate(2);
    const rank = (now: number) =>
      rankCandidates([failing, steady], { strategy: { type: "price" }, now, random: () => 0 }).ranked;
    let now = 1_000;
    expect(rank(now)).toEqual([failing, steady]);
    for (let index = 0; index < 3; index++) {
      failing = { ...failing, stats: recordFailure(failing.stats, { kind: "refusal", now }) };
      now += 10;
    }
    expect(failing.stats.reputation).toBe(85);
    // Cooling down for 4 s after the third failure: ranked last, not dropped.
    expect(failing.stats.cooldownUntil).toBe(1_020 + 4_000);
    expect(isAvailable(failing.stats, now)).toBe(false);
    expect(rank(now)).toEqual([steady, failing]);
    expect(rank(failing.stats.cooldownUntil - 1)).toEqual([steady, failing]);
    // After the cooldown it is first again; a success clears the backoff.
    now = failing.stats.cooldownUntil;
    expect(isAvailable(failing.stats, now)).toBe(true);
    expect(rank(now)).toEqual([failing, steady]);
    const recovered = recordSuccess(failing.stats, { latencyMs: 300, now });
    expect(recovered.cooldownUntil).toBe(0);
    expect(recovered.consecutiveFailures).toBe(0);
    expect(recordFailure(recovered, { kind: "connect", now }).cooldownUntil).toBe(now + 1_000);
  });

  it("test_recordFailure_doesNotMutateInput", () => {
    const stats = fresh();
    const copy = { ...stats };
    recordFailure(stats, { kind: "5xx", now: 5 });
    expect(stats).toEqual(copy);
  });

  it("test_recordFailure_invalidConfig_throws", () => {
    expect(() => recordFailure(fresh(), { kind: "5xx", now: 0 }, { alpha: 0 })).toThrow(/alpha/);
    expect(() =>
      recordFailure(fresh(), { kind: "5xx", now: 0 }, { cooldownBaseMs: 10, cooldownMaxMs: 5 }),
    ).toThrow(/cooldown/);
  });
});
