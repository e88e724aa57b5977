import { aviarySettlementAbi, relayCost, relayReceiptSchema, relayRequestSchema } from "@aviary/protocol";
import type { SupplierStatsBook } from "@aviary/sdk";
import type { Logger } from "pino";
import { type Address, getAddress, type Hex, type PublicClient } from "viem";
import type { GatewayStore } from "../store/GatewayStore.ts";

export type ClaimMismatch = {
  claimKey: Hex;
  supplier: Address;
  application: Address;
  session: bigint;
  /** What the claim asks to be paid (sum / p). */
  claimedAmount: bigint;
  /** What the receipts this gateway holds for the same supplier, application and session add up to. */
  receivedCost: bigint;
  claimedCount: bigint;
  receivedCount: number;
  /** The supplier's stake the claim locked (`max(missingProofPenalty, amount)`): what it loses if slashed. */
  collateral: bigint;
};

export type ReconcileClaimsParameters = {
  publicClient: PublicClient;
  settlement: Address;
  store: GatewayStore;
  /** The applications this gateway alone signs for: only their claims can be held against its records. */
  applications: readonly Address[];
  book?: SupplierStatsBook;
  logger?: Pick<Logger, "warn">;
  fromBlock: bigint;
  toBlock?: bigint;
  /**
   * Claims for earlier sessions are skipped: the gateway no longer holds (pruned) or never held (it was not
   * running) their receipts, so comparing would accuse honest suppliers. @default 0n
   */
  fromSession?: bigint;
  /** Relative excess tolerated before a claim is evidence (sampling noise when p < 1). @default 0.25 */
  tolerance?: number;
};

/**
 * Reconciles every claim made on this gateway's applications (`Claimed` events) with its own receipts: a
 * claim whose amount (`sum / p`, the estimate of everything served) exceeds what the gateway received
 * receipts for, beyond the tolerance, is evidence of over-claiming: returned, logged, and a reputation hit
 * for the supplier. With p = 1 the comparison is exact (any excess is a mismatch). Each claim is compared
 * with the receipts of its own supplier, application and session.
 *
 * @example
 * const mismatches = await reconcileClaims({ publicClient, settlement, store, applications, fromBlock: 0n });
 */
export async function reconcileClaims(parameters: ReconcileClaimsParameters): Promise<ClaimMismatch[]> {
  const ours = new Set(parameters.applications.map((application) => getAddress(application)));
  const events = await parameters.publicClient.getContractEvents({
    address: parameters.settlement,
    abi: aviarySettlementAbi,
    eventName: "Claimed",
    fromBlock: parameters.fromBlock,
    toBlock: parameters.toBlock ?? "latest",
    strict: true,
  });
  const mismatches: ClaimMismatch[] = [];
  for (const event of events) {
    const { claimKey, supplier, application, model, session, rootCount, amount, collateral } = event.args;
    if (!ours.has(getAddress(application))) continue;
    if (session < (parameters.fromSession ?? 0n)) continue;
    const receipts = await parameters.store.receiptsFor({
      session,
      supplier: getAddress(supplier),
      application: getAddress(application),
      model,
    });
    let receivedCost = 0n;
    for (const record of receipts) {
      receivedCost += relayCost({
        request: relayRequestSchema.parse(JSON.parse(record.request)),
        receipt: relayReceiptSchema.parse(JSON.parse(record.receipt)),
      });
    }
    const tolerance = parameters.tolerance ?? 0.25;
    const allowed = receivedCost + (receivedCost * BigInt(Math.round(tolerance * 10_000))) / 10_000n;
    const exact = rootCount > 0n && amount > 0n && (await isProbabilityOne(parameters, claimKey));
    if (exact ? amount <= receivedCost : amount <= allowed) continue;
    const mismatch: ClaimMismatch = {
      claimKey,
      supplier: getAddress(supplier),
      application: getAddress(application),
      session,
      claimedAmount: amount,
      receivedCost,
      claimedCount: rootCount,
      receivedCount: receipts.length,
      collateral,
    };
    parameters.logger?.warn(
      { ...mismatch },
      "a claim exceeds the receipts this gateway received: evidence of over-claiming",
    );
    parameters.book?.recordFailure(
      { address: mismatch.supplier, endpoint: parameters.book.get(mismatch.supplier)?.endpoint ?? "" },
      { kind: "audit-fail", now: Date.now() },
    );
    mismatches.push(mismatch);
  }
  return mismatches;
}

async function isProbabilityOne(parameters: ReconcileClaimsParameters, claimKey: Hex): Promise<boolean> {
  const claim = await parameters.publicClient.readContract({
    address: parameters.settlement,
    abi: aviarySettlementAbi,
    functionName: "getClaim",
    args: [claimKey],
  });
  return claim.amount === claim.root.sum;
}
