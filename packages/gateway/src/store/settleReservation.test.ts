import { describe, expect, test } from "vitest";
import { settleReservation } from "./settleReservation.ts";

describe("settleReservation", () => {
  test("test_settleReservation_replacesEstimateByActual", () => {
    expect(
      settleReservation({
        window: { tokens: 700, reservedWei: 1000n, reservedRequests: 2, reservedTokens: 600 },
        spentWei: 2n ** 200n,
        reserved: { tokens: 500, costWei: 900n, windowStart: 0 },
        actualTokens: 120,
        actualCostWei: 2n ** 70n,
      }),
    ).toEqual({
      window: { tokens: 320, reservedWei: 100n, reservedRequests: 1, reservedTokens: 100 },
      spentWei: 2n ** 200n + 2n ** 70n,
    });
  });

  test("test_settleReservation_droppedWindowOrUnadmitted_chargesActualWithoutGoingNegative", () => {
    expect(
      settleReservation({
        window: undefined,
        spentWei: 5n,
        reserved: { tokens: 500, costWei: 900n, windowStart: 0 },
        actualTokens: 12,
        actualCostWei: 3n,
      }),
    ).toEqual({
      window: { tokens: 12, reservedWei: 0n, reservedRequests: 0, reservedTokens: 0 },
      spentWei: 8n,
    });
    expect(
      settleReservation({
        window: { tokens: 10, reservedWei: 1n, reservedRequests: 0, reservedTokens: 0 },
        spentWei: 0n,
        reserved: { tokens: 500, costWei: 900n, windowStart: 0 },
        actualTokens: 0,
        actualCostWei: 0n,
      }),
    ).toEqual({
      window: { tokens: 0, reservedWei: 0n, reservedRequests: 0, reservedTokens: 0 },
      spentWei: 0n,
    });
  });

  test("test_settleReservation_afterExpiryCharge_replacesTheChargeByTheActualCost", () => {
    const expired = { chargedWei: 900n, settledWei: 0n, settledRequests: 0 };
    const settled = settleReservation({
      window: undefined,
      expired,
      spentWei: 1000n, // 100 settled before + 900 charged at expiry
      reserved: { tokens: 500, costWei: 900n, windowStart: 0 },
      actualTokens: 12,
      actualCostWei: 30n,
    });
    expect(settled.spentWei).toBe(130n);
    expect(settled.expired).toEqual({ settledWei: 900n, settledRequests: 1 });
    // The charge is used up: a second late settlement for that window is charged in full.
    const again = settleReservation({
      window: undefined,
      expired: { ...expired, settledWei: 900n, settledRequests: 1 },
      spentWei: 130n,
      reserved: { tokens: 500, costWei: 900n, windowStart: 0 },
      actualTokens: 12,
      actualCostWei: 30n,
    });
    expect(again.spentWei).toBe(160n);
    expect(again.expired).toBeUndefined();
  });
});
