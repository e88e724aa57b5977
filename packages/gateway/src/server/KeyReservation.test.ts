import type { RelaySigner, SignedRelay } from "@aviary/sdk";
import { describe, expect, it } from "vitest";
import type { RaiseReservationDecision, Reservation } from "../store/GatewayStore.ts";
import { KeyBudgetExceededError } from "./errors.ts";
import { KeyReservation } from "./KeyReservation.ts";

const admitted: Reservation = { tokens: 10, costWei: 100n, windowStart: 7 };

/** A store whose key has `budget` wei for this request's reservation. */
function storeWith(budget: bigint) {
  const raises: bigint[] = [];
  return {
    raises,
    store: {
      raiseReservation: async (
        _keyId: string,
        reservation: Reservation,
        costWei: bigint,
      ): Promise<RaiseReservationDecision> => {
        raises.push(costWei);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return costWei <= budget
          ? { allowed: true, reservation: { ...reservation, costWei } }
          : { allowed: false, limit: `budget ${budget} wei`, remainingWei: budget - reservation.costWei };
      },
    },
  };
}

describe("KeyReservation", () => {
  it("test_cover_pricierAttempt_raised_cheaperOrEqual_untouched", async () => {
    const { store, raises } = storeWith(1_000n);
    const reservation = new KeyReservation({ store, keyId: "k", reservation: admitted });
    await reservation.cover(100n);
    await reservation.cover(50n);
    expect(raises).toEqual([]);
    await reservation.cover(300n);
    expect(reservation.current).toEqual({ ...admitted, costWei: 300n });
  });

  it("test_cover_concurrentLanes_serialized_coversThePriciest", async () => {
    const { store, raises } = storeWith(1_000n);
    const reservation = new KeyReservation({ store, keyId: "k", reservation: admitted });
    await Promise.all([reservation.cover(400n), reservation.cover(300n), reservation.cover(500n)]);
    expect(raises).toEqual([400n, 500n]); // 300 was covered by the first raise
    expect(reservation.current.costWei).toBe(500n);
  });

  it("test_guard_budgetCannotCoverTheFailover_402ErrorAndNothingSigned", async () => {
    const { store } = storeWith(250n);
    const reservation = new KeyReservation({ store, keyId: "k", reservation: admitted });
    const signed: bigint[] = [];
    const signer: RelaySigner = {
      sign: async (parameters) => {
        signed.push(parameters.maxCost);
        return {} as SignedRelay;
      },
    };
    const guarded = reservation.guard(signer);
    const attempt = (maxCost: bigint) =>
      guarded.sign({ maxCost } as Parameters<RelaySigner["sign"]>[0]).then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(await attempt(100n)).toBeUndefined();
    const refused = await attempt(300n);
    expect(refused).toBeInstanceOf(KeyBudgetExceededError);
    expect((refused as KeyBudgetExceededError).shortMessage).toContain(
      "The next supplier could cost up to 300 token wei",
    );
    expect((refused as KeyBudgetExceededError).shortMessage).toContain("150 token wei of its budget 250 wei");
    expect(signed).toEqual([100n]);
    expect(reservation.current).toEqual(admitted);
    // A later, cheaper attempt still may go ahead.
    expect(await attempt(200n)).toBeUndefined();
    expect(signed).toEqual([100n, 200n]);
  });
});
