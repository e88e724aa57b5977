import { describe, expect, test } from "vitest";
import { decideReservationRaise } from "./decideReservationRaise.ts";

const window = (reservedWei: bigint, windowStart = 0) => ({
  windowStart,
  requests: 1,
  tokens: 10,
  reservedWei,
  reservedRequests: 1,
  reservedTokens: 10,
});
const reservation = { tokens: 10, costWei: 300n, windowStart: 0 };

describe("decideReservationRaise", () => {
  test("test_decideReservationRaise_fits_increaseJoinsTheReservationsWindow", () => {
    const { decision, window: written } = decideReservationRaise({
      key: { budgetWei: 1000n, spentWei: 100n },
      live: [window(300n), window(100n, 60_000)],
      reservation,
      costWei: 800n, // 100 spent + 400 pending + 500 more = 1000: fits exactly
    });
    expect(decision).toEqual({ allowed: true, reservation: { ...reservation, costWei: 800n } });
    expect(written).toEqual({ ...window(800n) });
  });

  test("test_decideReservationRaise_overBudget_refusedWithWhatIsLeft_nothingWritten", () => {
    const { decision, window: written } = decideReservationRaise({
      key: { budgetWei: 1000n, spentWei: 100n },
      live: [window(300n), window(100n, 60_000)],
      reservation,
      costWei: 801n,
    });
    expect(decision).toEqual({ allowed: false, limit: "budget 1000 wei", remainingWei: 500n });
    expect(written).toBeUndefined();
  });

  test("test_decideReservationRaise_noBudget_orNotHigher_orExpired", () => {
    expect(
      decideReservationRaise({
        key: { budgetWei: null, spentWei: 0n },
        live: [window(300n)],
        reservation,
        costWei: 10n ** 30n,
      }).decision.allowed,
    ).toBe(true);
    expect(
      decideReservationRaise({ key: { budgetWei: 1n, spentWei: 5n }, live: [], reservation, costWei: 300n })
        .decision,
    ).toEqual({ allowed: true, reservation });
    expect(
      decideReservationRaise({ key: { budgetWei: null, spentWei: 0n }, live: [], reservation, costWei: 301n })
        .decision,
    ).toMatchObject({ allowed: false, limit: "the reservation expired" });
  });
});
