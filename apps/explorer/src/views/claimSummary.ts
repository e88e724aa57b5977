import type { Address, Hex } from "viem";
import type { IndexedClaim } from "../indexer/types.ts";
import type { ClaimStatus, ExplorerData } from "./types.ts";

/** One claim as the tables show it (the `/api/claims/:key` view adds its session's windows). */
export type ClaimSummary = {
  claimKey: Hex;
  supplier: Address;
  application: Address;
  model: Hex;
  modelName: string | undefined;
  session: bigint;
  /** Mined relays in the claimed trie (root count). */
  relays: bigint;
  /** Root sum: the relays' cost, token wei. */
  rootSum: bigint;
  rootHash: Hex;
  /** What the claim is worth: rootSum / mining probability. */
  amount: bigint;
  /** The supplier's stake the claim locked until settlement: `max(missingProofPenalty, amount)`. */
  collateral: bigint;
  /** Where the collateral stands: locked until settlement, then released or slashed. */
  collateralStatus: "locked" | "released" | "slashed";
  claimedAt: bigint;
  claimTransaction: Hex;
  status: ClaimStatus;
  proofRequired: boolean | null;
  proof: IndexedClaim["proof"] | null;
  settlement: IndexedClaim["settlement"] | null;
  proofMissing: IndexedClaim["proofMissing"] | null;
};

/**
 * The status of a claim (see {@link ClaimStatus}).
 *
 * @example
 * ```ts
 * claimStatus(claim); // "settled"
 * ```
 */
export function claimStatus(claim: IndexedClaim): ClaimStatus {
  if (claim.proofMissing) return "proof-missing";
  if (claim.settlement) return "settled";
  if (claim.proof) return "proven";
  if (claim.proofRequired) return "proof-required";
  return "claimed";
}

/**
 * A claim of the index as the tables and the API show it.
 *
 * @example
 * ```ts
 * const rows = [...data.state.claims.values()].map((claim) => claimSummary(data, claim));
 * ```
 */
export function claimSummary(data: ExplorerData, claim: IndexedClaim): ClaimSummary {
  return {
    claimKey: claim.claimKey,
    supplier: claim.supplier,
    application: claim.application,
    model: claim.model,
    modelName: data.state.models.get(claim.model)?.name,
    session: claim.session,
    relays: claim.rootCount,
    rootSum: claim.rootSum,
    rootHash: claim.rootHash,
    amount: claim.amount,
    collateral: claim.collateral,
    collateralStatus: claim.proofMissing ? "slashed" : claim.collateralReleased ? "released" : "locked",
    claimedAt: claim.claimedAt,
    claimTransaction: claim.claimTransaction,
    status: claimStatus(claim),
    proofRequired: claim.proofRequired ?? null,
    proof: claim.proof ?? null,
    settlement: claim.settlement ?? null,
    proofMissing: claim.proofMissing ?? null,
  };
}

/** Claims, newest first (by session, then by the block they were claimed in). */
export function newestFirst(a: IndexedClaim, b: IndexedClaim): number {
  if (a.session !== b.session) return a.session > b.session ? -1 : 1;
  return a.claimedAt === b.claimedAt ? 0 : a.claimedAt > b.claimedAt ? -1 : 1;
}
