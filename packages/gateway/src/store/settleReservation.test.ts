import { describe, expect, test } from "vitest";
import { settleReservation } from "./settleReservation.ts";

describe("settleReservation", () => {
  test("test_settleReservation_replacesEstimateByActual", () => {
    expect(
      settleReservation({
        window: { tokens: 700, reservedWei: 1000n },
        spentWei: 2n ** 200n,
        reserved: { tokens: 500, costWei: 900n, windowStart: 0 },
        actualTokens: 120,
        actualCostWei: 2n ** 70n,
      }),
    ).toEqual({ window: { tokens: 320, reservedWei: 100n }, spentWei: 2n ** 200n + 2n ** 70n });
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
    ).toEqual({ window: { tokens: 12, reservedWei: 0n }, spentWei: 8n });
    expect(
      settleReservation({
        window: { tokens: 10, reservedWei: 1n },
        spentWei: 0n,
        reserved: { tokens: 500, costWei: 900n, windowStart: 0 },
        actualTokens: 0,
        actualCostWei: 0n,
      }),
    ).toEqual({ window: { tokens: 0, reservedWei: 0n }, spentWei: 0n });
  });
});
