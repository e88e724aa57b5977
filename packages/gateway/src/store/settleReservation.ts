import type { Reservation } from "./GatewayStore.ts";

/** Parameters of {@link settleReservation}. */
export type SettleReservationParameters = {
  /** The stored counters of the reservation's window, if that window is still stored. */
  window:
    | { tokens: number; reservedWei: bigint; reservedRequests: number; reservedTokens: number }
    | undefined;
  /**
   * When the window is gone because its unsettled reservations were charged at expiry: that charge, and how
   * much of it late settlements already replaced.
   */
  expired?: { chargedWei: bigint; settledWei: bigint; settledRequests: number } | undefined;
  spentWei: bigint;
  reserved: Reservation;
  actualTokens: number;
  actualCostWei: bigint;
};

/** Return type of {@link settleReservation}: the values to write. */
export type SettleReservationReturnType = {
  window: { tokens: number; reservedWei: bigint; reservedRequests: number; reservedTokens: number };
  spentWei: bigint;
  /** The expiry charge's new settled part, when this settlement replaced part of it. */
  expired?: { settledWei: bigint; settledRequests: number };
};

/**
 * Replaces a reservation by what the request actually used: the pure core of `GatewayStore.recordUsage`.
 * The window's tokens lose the estimate and gain the actual tokens; its pending cost loses the reserved cost;
 * the key's spend gains the actual cost. Counters never go below zero (a reservation whose window was already
 * dropped, or a request that was never admitted, still charges its actual cost and tokens).
 *
 * A late settlement of a reservation that was charged at expiry (`expired`, with room for its cost) replaces
 * that charge: the spend loses the reserved cost and gains the actual one, so the request is paid once.
 *
 * @example
 * ```ts
 * settleReservation({
 *   window: { tokens: 500, reservedWei: 900n, reservedRequests: 1, reservedTokens: 500 }, spentWei: 100n,
 *   reserved: { tokens: 500, costWei: 900n, windowStart: 60_000 }, actualTokens: 120, actualCostWei: 200n,
 * }); // { window: { tokens: 120, reservedWei: 0n, reservedRequests: 0, reservedTokens: 0 }, spentWei: 300n }
 * ```
 */
export function settleReservation({
  window,
  expired,
  spentWei,
  reserved,
  actualTokens,
  actualCostWei,
}: SettleReservationParameters): SettleReservationReturnType {
  const nonEmpty = reserved.tokens > 0 || reserved.costWei > 0n;
  const tokens = Math.max(0, (window?.tokens ?? 0) - reserved.tokens) + actualTokens;
  const pending = (window?.reservedWei ?? 0n) - reserved.costWei;
  const settledWindow = {
    tokens,
    reservedWei: pending > 0n ? pending : 0n,
    reservedRequests: Math.max(0, (window?.reservedRequests ?? 0) - (nonEmpty ? 1 : 0)),
    reservedTokens: Math.max(0, (window?.reservedTokens ?? 0) - reserved.tokens),
  };
  if (
    window === undefined &&
    expired !== undefined &&
    reserved.costWei > 0n &&
    expired.settledWei + reserved.costWei <= expired.chargedWei
  ) {
    const replaced = spentWei - reserved.costWei + actualCostWei;
    return {
      window: settledWindow,
      spentWei: replaced > 0n ? replaced : 0n,
      expired: {
        settledWei: expired.settledWei + reserved.costWei,
        settledRequests: expired.settledRequests + 1,
      },
    };
  }
  return { window: settledWindow, spentWei: spentWei + actualCostWei };
}
