import type { SupplierStats } from "./SupplierStats.ts";

/**
 * Whether a supplier is out of cooldown at `now`. Probation does not make a supplier unavailable: it
 * only moves it to the back of the ranking.
 *
 * @param stats - the supplier's stats.
 * @param now - current time, ms.
 * @example
 * ```ts
 * if (!isAvailable(stats, now)) console.log(`cooling down for ${stats.cooldownUntil - now} ms`);
 * ```
 */
export function isAvailable(stats: SupplierStats, now: number): boolean {
  return now >= stats.cooldownUntil;
}
