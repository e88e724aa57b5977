import { describe, expect, test } from "vitest";
import {
  type AdmissionKeyState,
  decideAdmission,
  type RateWindow,
  windowStartOf,
} from "./decideAdmission.ts";

const TTL = 900_000;
const noLimits: AdmissionKeyState = {
  budgetWei: null,
  spentWei: 0n,
  requestsPerMinute: null,
  tokensPerMinute: null,
};
const decide = (
  key: Partial<AdmissionKeyState>,
  windows: Omit<RateWindow, "reservedRequests" | "reservedTokens">[],
  tokens: number,
  cost: bigint,
  now: number,
) =>
  decideAdmission({
    key: { ...noLimits, ...key },
    windows: windows.map((window) => ({ reservedRequests: 0, reservedTokens: 0, ...window })),
    estimatedTokens: tokens,
    estimatedCostWei: cost,
    now,
    reservationTtlMs: TTL,
  });

describe("decideAdmission", () => {
  test("test_windowStartOf_floorsToTheMinute", () => {
    expect(windowStartOf(0)).toBe(0);
    expect(windowStartOf(59_999)).toBe(0);
    expect(windowStartOf(60_000)).toBe(60_000);
    expect(windowStartOf(1_700_000_099_999)).toBe(1_700_000_040_000);
  });

  test("test_decideAdmission_allowed_returnsIncrementedWindow", () => {
    const result = decide(
      {},
      [{ windowStart: 60_000, requests: 2, tokens: 30, reservedWei: 5n }],
      10,
      7n,
      61_000,
    );
    expect(result.decision).toEqual({ allowed: true, windowStart: 60_000 });
    expect(result.window).toEqual({
      windowStart: 60_000,
      requests: 3,
      tokens: 40,
      reservedWei: 12n,
      reservedRequests: 1,
      reservedTokens: 10,
    });
    expect(result.staleAtOrBefore).toBe(61_000 - TTL);
  });

  test("test_decideAdmission_otherWindowsCountOnlyForTheBudget", () => {
    const previous = { windowStart: 0, requests: 100, tokens: 1000, reservedWei: 40n };
    const limits = { requestsPerMinute: 1, tokensPerMinute: 10, budgetWei: 50n };
    expect(decide(limits, [previous], 10, 10n, 60_000).decision).toEqual({
      allowed: true,
      windowStart: 60_000,
    });
    expect(decide(limits, [previous], 10, 11n, 60_000).decision).toMatchObject({
      allowed: false,
      reason: "budget",
    });
  });

  test("test_decideAdmission_budgetRefusal_retryAfterIsWhenEnoughReservationsExpire", () => {
    const windows = [
      { windowStart: 120_000, requests: 1, tokens: 0, reservedWei: 30n },
      { windowStart: 0, requests: 1, tokens: 0, reservedWei: 10n },
      { windowStart: 60_000, requests: 1, tokens: 0, reservedWei: 0n },
    ];
    // spent 50 + pending 40 + 21 > 100; dropping the oldest reservation (10, at 0) is not enough, dropping
    // the next one with a reservation (30, at 120 000) is.
    expect(decide({ budgetWei: 100n, spentWei: 50n }, windows, 0, 21n, 130_000).decision).toEqual({
      allowed: false,
      reason: "budget",
      retryAfterMs: 120_000 + TTL - 130_000,
      limit: "budget 100 wei",
      remainingWei: 10n, // 100 − 50 spent − 40 pending
    });
    expect(decide({ budgetWei: 100n, spentWei: 50n }, windows, 0, 20n, 130_000).decision).toMatchObject({
      retryAfterMs: TTL - 130_000,
    });
    // Spent alone leaves no room: 0.
    expect(decide({ budgetWei: 100n, spentWei: 90n }, windows, 0, 20n, 130_000).decision).toMatchObject({
      retryAfterMs: 0,
    });
  });

  test("test_decideAdmission_budgetReached_refusesEvenAZeroEstimate", () => {
    expect(decide({ budgetWei: 100n, spentWei: 100n }, [], 0, 0n, 0).decision).toMatchObject({
      reason: "budget",
    });
    expect(decide({ budgetWei: 0n }, [], 0, 0n, 0).decision).toMatchObject({ reason: "budget" });
    expect(decide({ budgetWei: 100n, spentWei: 99n }, [], 0, 1n, 0).decision).toMatchObject({
      allowed: true,
    });
  });

  test("test_decideAdmission_staleReservations_ignored", () => {
    const stale = { windowStart: 0, requests: 1, tokens: 0, reservedWei: 100n };
    expect(decide({ budgetWei: 100n }, [stale], 0, 100n, TTL - 1).decision).toMatchObject({ allowed: false });
    expect(decide({ budgetWei: 100n }, [stale], 0, 100n, TTL).decision).toEqual({
      allowed: true,
      windowStart: TTL,
    });
  });

  test("test_decideAdmission_tokens_estimateAboveLimitOnlyIntoAnEmptyWindow", () => {
    const empty: RateWindow[] = [];
    const used = [{ windowStart: 0, requests: 1, tokens: 1, reservedWei: 0n }];
    expect(decide({ tokensPerMinute: 10 }, empty, 1000, 0n, 5).decision).toEqual({
      allowed: true,
      windowStart: 0,
    });
    expect(decide({ tokensPerMinute: 10 }, used, 9, 0n, 5).decision).toEqual({
      allowed: true,
      windowStart: 0,
    });
    expect(decide({ tokensPerMinute: 10 }, used, 10, 0n, 5).decision).toEqual({
      allowed: false,
      reason: "tokens",
      retryAfterMs: 59_995,
      limit: "10 tokens per minute",
    });
  });

  test("test_decideAdmission_refusal_ordersBudgetThenRequestsThenTokens", () => {
    const full = [{ windowStart: 0, requests: 5, tokens: 50, reservedWei: 0n }];
    const all = { budgetWei: 0n, requestsPerMinute: 5, tokensPerMinute: 50 };
    expect(decide(all, full, 1, 1n, 1).decision).toMatchObject({ reason: "budget" });
    expect(decide({ ...all, budgetWei: null }, full, 1, 1n, 1).decision).toMatchObject({
      reason: "requests",
    });
    expect(decide({ tokensPerMinute: 50 }, full, 1, 1n, 1).decision).toMatchObject({ reason: "tokens" });
  });
});
