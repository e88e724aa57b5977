import { aviarySettlementAbi, relayCost, relayReceiptSchema, relayRequestSchema } from "@aviary/protocol";
import type { Logger } from "pino";
import { type Address, getAddress, type Hex, type PublicClient } from "viem";
import type { GatewayStore } from "../store/GatewayStore.ts";

/**
 * A claim larger than the receipts this gateway holds for it. Not evidence: relays signed by other parties
 * (the application itself on the direct route, another gateway it delegated to) are in the claim too, and this
 * gateway cannot see them. Evidence comes only from proven leaves (see `reconcileProvenLeaves`).
 */
export type UnreconciledClaim = {
  claimKey: Hex;
  supplier: Address;
  application: Address;
  model: Hex;
  session: bigint;
  /** What the claim asks to be paid (sum / p). */
  claimedAmount: bigint;
  /** What the receipts this gateway holds for the same supplier, application, model and session add up to. */
  receivedCost: bigint;
  /** `claimedAmount − receivedCost`: what other signers may account for. */
  excess: bigint;
  claimedCount: bigint;
  receivedCount: number;
  /** The supplier's stake the claim locked (`max(missingProofPenalty, amount)`). */
  collateral: bigint;
};

export type ReconcileClaimsParameters = {
  publicClient: PublicClient;
  settlement: Address;
  store: GatewayStore;
  /** The applications this gateway signs for: only their claims are compared with its receipts. */
  applications: readonly Address[];
  logger?: Pick<Logger, "info">;
  fromBlock: bigint;
  toBlock?: bigint;
  /**
   * Claims for earlier sessions are skipped: the gateway no longer holds (pruned) or never held (it was not
   * running) their receipts. @default 0n
   */
  fromSession?: bigint;
  /** Relative excess tolerated before a claim is reported (sampling noise when p < 1). @default 0.25 */
  tolerance?: number;
};

/** Every claim of the range that exceeds this gateway's receipts, in event order. */
export type ReconcileClaimsReturnType = UnreconciledClaim[];

/**
 * Compares every claim made on this gateway's applications (`Claimed` events) with its own receipts for the
 * same supplier, application, model and session. A claim whose amount (`sum / p`, the estimate of everything
 * served) exceeds them beyond the tolerance (exactly, when p = 1) is reported as unreconciled (returned, logged
 * at info) and nothing else: an application may relay directly with its own key or delegate to several
 * gateways, and their relays are in the same claim. No reputation changes and no evidence is filed here; a
 * supplier's over-claiming is proven by the leaves it proves (`reconcileProvenLeaves`).
 *
 * @example
 * const unreconciled = await reconcileClaims({ publicClient, settlement, store, applications, fromBlock: 0n });
 */
export async function reconcileClaims(
  parameters: ReconcileClaimsParameters,
): Promise<ReconcileClaimsReturnType> {
  const ours = new Set(parameters.applications.map((application) => getAddress(application)));
  const events = await parameters.publicClient.getContractEvents({
    address: parameters.settlement,
    abi: aviarySettlementAbi,
    eventName: "Claimed",
    fromBlock: parameters.fromBlock,
    toBlock: parameters.toBlock ?? "latest",
    strict: true,
  });
  const unreconciled: UnreconciledClaim[] = [];
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
    if (amount <= receivedCost) continue;
    const exact = rootCount > 0n && (await isProbabilityOne(parameters, claimKey));
    if (!exact && amount <= allowed) continue;
    const claim: UnreconciledClaim = {
      claimKey,
      supplier: getAddress(supplier),
      application: getAddress(application),
      model,
      session,
      claimedAmount: amount,
      receivedCost,
      excess: amount - receivedCost,
      claimedCount: rootCount,
      receivedCount: receipts.length,
      collateral,
    };
    parameters.logger?.info(
      { ...claim },
      "a claim exceeds the receipts this gateway holds: unreconciled, other signers may account for it",
    );
    unreconciled.push(claim);
  }
  return unreconciled;
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
