import type { IndexedClaim } from "../indexer/types.ts";

/** Totals over a set of claims. Amounts in token wei. */
export type ClaimTotals = {
  claims: number;
  /** Mined relays claimed (sum of root counts). */
  relays: bigint;
  /** What the claims are worth (sum of amounts). */
  claimed: bigint;
  settled: number;
  /** Paid by settlement: to sources, the treasury and suppliers. */
  paid: bigint;
  toSource: bigint;
  toTreasury: bigint;
  toSupplier: bigint;
  proofsMissing: number;
  /** Slashed from suppliers for missing proofs. */
  slashed: bigint;
};

/**
 * Sums claims: relays, claimed amounts, payments and slashes.
 *
 * @example
 * ```ts
 * sumClaims(state.claims.values()).paid;
 * ```
 */
export function sumClaims(claims: Iterable<IndexedClaim>): ClaimTotals {
  const totals: ClaimTotals = {
    claims: 0,
    relays: 0n,
    claimed: 0n,
    settled: 0,
    paid: 0n,
    toSource: 0n,
    toTreasury: 0n,
    toSupplier: 0n,
    proofsMissing: 0,
    slashed: 0n,
  };
  for (const claim of claims) {
    totals.claims += 1;
    totals.relays += claim.rootCount;
    totals.claimed += claim.amount;
    if (claim.settlement) {
      totals.settled += 1;
      totals.paid += claim.settlement.paid;
      totals.toSource += claim.settlement.toSource;
      totals.toTreasury += claim.settlement.toTreasury;
      totals.toSupplier += claim.settlement.toSupplier;
    }
    if (claim.proofMissing) {
      totals.proofsMissing += 1;
      totals.slashed += claim.proofMissing.slashed;
    }
  }
  return totals;
}
