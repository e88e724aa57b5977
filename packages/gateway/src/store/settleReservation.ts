import type { Reservation } from "./GatewayStore.ts";

/** Parameters of {@link settleReservation}. */
export type SettleReservationParameters = {
  /** The stored counters of the reservation's window, if that window is still stored. */
  window: { tokens: number; reservedWei: bigint } | undefined;
  spentWei: bigint;
  reserved: Reservation;
  actualTokens: number;
  actualCostWei: bigint;
};

/** Return type of {@link settleReservation}: the values to write. */
export type SettleReservationReturnType = {
  window: { tokens: number; reservedWei: bigint };
  spentWei: bigint;
};

/**
 * Replaces a reservation by what the request actually used: the pure core of `GatewayStore.recordUsage`.
 * The window's tokens lose the estimate and gain the actual tokens; its pending cost loses the reserved cost;
 * the key's spend gains the actual cost. Counters never go below zero (a reservation whose window was already
 * dropped, or a request that was never admitted, still charges its actual cost and tokens).
 *
 * @example
 * ```ts
 * settleReservation({
 *   window: { tokens: 500, reservedWei: 900n }, spentWei: 100n,
 *   reserved: { tokens: 500, costWei: 900n, windowStart: 60_000 }, actualTokens: 120, actualCostWei: 200n,
 * }); // { window: { tokens: 120, reservedWei: 0n }, spentWei: 300n }
 * ```
 */
export function settleReservation({
  window,
  spentWei,
  reserved,
  actualTokens,
  actualCostWei,
}: SettleReservationParameters): SettleReservationReturnType {
  const tokens = Math.max(0, (window?.tokens ?? 0) - reserved.tokens) + actualTokens;
  const pending = (window?.reservedWei ?? 0n) - reserved.costWei;
  return {
    window: { tokens, reservedWei: pending > 0n ? pending : 0n },
    spentWei: spentWei + actualCostWei,
  };
}
