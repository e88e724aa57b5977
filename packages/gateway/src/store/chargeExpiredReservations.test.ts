import { describe, expect, test } from "vitest";
import { chargeExpiredReservations } from "./chargeExpiredReservations.ts";

const window = (windowStart: number, reservedWei: bigint, reservedTokens = 0) => ({
  windowStart,
  requests: 3,
  tokens: 100,
  reservedWei,
  reservedRequests: reservedWei > 0n || reservedTokens > 0 ? 1 : 0,
  reservedTokens,
});

describe("chargeExpiredReservations", () => {
  test("test_chargeExpiredReservations_staleUnsettled_chargedToSpend_liveKept", () => {
    const stale = window(0, 7n, 10);
    const settled = window(60_000, 0n);
    const live = window(120_000, 5n, 10);
    const result = chargeExpiredReservations({
      windows: [stale, settled, live],
      spentWei: 2n ** 200n,
      staleAtOrBefore: 60_000,
    });
    expect(result).toEqual({
      spentWei: 2n ** 200n + 7n,
      charged: [stale],
      stale: [stale, settled],
      live: [live],
    });
  });

  test("test_chargeExpiredReservations_nothingStale_changesNothing", () => {
    const live = window(120_000, 5n);
    expect(chargeExpiredReservations({ windows: [live], spentWei: 1n, staleAtOrBefore: 60_000 })).toEqual({
      spentWei: 1n,
      charged: [],
      stale: [],
      live: [live],
    });
  });
});
