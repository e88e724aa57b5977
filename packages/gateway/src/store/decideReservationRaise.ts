import type { RateWindow } from "./decideAdmission.ts";
import type { RaiseReservationDecision, Reservation } from "./GatewayStore.ts";

/** Parameters of {@link decideReservationRaise}. */
export type DecideReservationRaiseParameters = {
  key: { budgetWei: bigint | null; spentWei: bigint };
  /** The key's windows that still count (stale ones already charged and left out). */
  live: readonly RateWindow[];
  reservation: Reservation;
  /** The cost the reservation must cover now. */
  costWei: bigint;
};

/** Return type of {@link decideReservationRaise}. */
export type DecideReservationRaiseReturnType = {
  decision: RaiseReservationDecision;
  /** When allowed and raised: the new counters of the reservation's window, to write. */
  window?: RateWindow;
};

/**
 * Whether an admitted request's reservation may grow to `costWei` (a failover to a pricier supplier): the pure
 * core of `GatewayStore.raiseReservation`, run inside the transaction holding the key. Allowed when the key has
 * no budget or when spent + every pending reservation + the increase fits in it; the increase joins the
 * reservation's window (charged at expiry like the rest, so a crash still charges what could have been spent).
 * Requests and tokens are not counted again. A window that expired already cannot be raised.
 *
 * @example
 * ```ts
 * decideReservationRaise({
 *   key: { budgetWei: 1000n, spentWei: 0n },
 *   live: [{ windowStart: 0, requests: 1, tokens: 10, reservedWei: 300n, reservedRequests: 1, reservedTokens: 10 }],
 *   reservation: { tokens: 10, costWei: 300n, windowStart: 0 },
 *   costWei: 800n,
 * }).decision; // { allowed: true, reservation: { tokens: 10, costWei: 800n, windowStart: 0 } }
 * ```
 */
export function decideReservationRaise({
  key,
  live,
  reservation,
  costWei,
}: DecideReservationRaiseParameters): DecideReservationRaiseReturnType {
  if (costWei <= reservation.costWei) return { decision: { allowed: true, reservation } };
  const increase = costWei - reservation.costWei;
  const pending = live.reduce((sum, window) => sum + window.reservedWei, 0n);
  const left = key.budgetWei === null ? 0n : key.budgetWei - key.spentWei - pending;
  const refused = (limit: string): DecideReservationRaiseReturnType => ({
    decision: { allowed: false, limit, remainingWei: left > 0n ? left : 0n },
  });
  const window = live.find((candidate) => candidate.windowStart === reservation.windowStart);
  if (!window) return refused("the reservation expired");
  if (key.budgetWei !== null && increase > left) return refused(`budget ${key.budgetWei} wei`);
  return {
    decision: { allowed: true, reservation: { ...reservation, costWei } },
    window: {
      ...window,
      reservedWei: window.reservedWei + increase,
      // A reservation that was empty becomes one to charge at expiry.
      reservedRequests:
        window.reservedRequests + (reservation.tokens === 0 && reservation.costWei === 0n ? 1 : 0),
    },
  };
}
