import type { RateWindow } from "./decideAdmission.ts";

/** Parameters of {@link chargeExpiredReservations}. */
export type ChargeExpiredReservationsParameters = {
  /** One key's stored windows. */
  windows: readonly RateWindow[];
  spentWei: bigint;
  /** Windows starting at or before this have outlived the reservation TTL. */
  staleAtOrBefore: number;
};

/** Return type of {@link chargeExpiredReservations}. */
export type ChargeExpiredReservationsReturnType = {
  /** The key's spend with the expired reservations charged. */
  spentWei: bigint;
  /** Stale windows that held unsettled reservations: record each charge. */
  charged: RateWindow[];
  /** Every stale window (charged or empty): delete them. */
  stale: RateWindow[];
  /** The windows that still count. */
  live: RateWindow[];
};

/**
 * Charges a key's reservations that outlived the reservation TTL unsettled: the pure core of reservation
 * expiry in `admit` and `expireReservations`. A reservation is settled by `recordUsage` within moments of its
 * request; one still pending after the TTL belongs to a request whose usage was lost (its replica crashed
 * before committing it). Releasing it would serve that request for free, so its reserved cost (the worst case
 * it was admitted for) is charged instead, and its estimated tokens stay counted.
 *
 * @example
 * ```ts
 * chargeExpiredReservations({
 *   windows: [{ windowStart: 0, requests: 1, tokens: 10, reservedWei: 7n, reservedRequests: 1, reservedTokens: 10 }],
 *   spentWei: 5n,
 *   staleAtOrBefore: 0,
 * }).spentWei; // 12n
 * ```
 */
export function chargeExpiredReservations({
  windows,
  spentWei,
  staleAtOrBefore,
}: ChargeExpiredReservationsParameters): ChargeExpiredReservationsReturnType {
  const stale = windows.filter((window) => window.windowStart <= staleAtOrBefore);
  const live = windows.filter((window) => window.windowStart > staleAtOrBefore);
  const charged = stale.filter((window) => window.reservedWei > 0n || window.reservedTokens > 0);
  return {
    spentWei: charged.reduce((sum, window) => sum + window.reservedWei, spentWei),
    charged,
    stale,
    live,
  };
}
