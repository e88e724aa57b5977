import { aviarySettlementAbi, claimKey as computeClaimKey } from "@aviary/protocol";
import { type Address, type Hex, type PublicClient, type ReadContractErrorType, zeroAddress } from "viem";

export type GetClaimParameters = {
  /** The settlement contract. */
  settlement: Address;
  /** Read as of this block. @default the latest */
  blockNumber?: bigint;
} & (
  | { claimKey: Hex }
  | { supplier: Address; application: Address; model: Hex; session: bigint; claimKey?: undefined }
);

/** A claim as the settlement stores it. */
export type AviaryClaim = {
  claimKey: Hex;
  supplier: Address;
  application: Address;
  model: Hex;
  session: bigint;
  root: { hash: Hex; sum: bigint; count: bigint };
  /** `root.sum / p`, what settlement pays before the budget cap. */
  amount: bigint;
  /** `max(missingProofPenalty, amount)`: the supplier's stake locked by the claim until it settles. */
  collateral: bigint;
  proven: boolean;
  settled: boolean;
  /** Settled without a required proof: the collateral was slashed and nothing paid. */
  slashed: boolean;
};
export type GetClaimReturnType = AviaryClaim | null;
export type GetClaimErrorType = ReadContractErrorType;

/**
 * Reads a claim by its key, or by `(supplier, application, model, session)` (the key is
 * `keccak256(abi.encode(supplier, application, model, session))`). Returns `null` when there is none.
 *
 * @param publicClient - a viem public client on the settlement's chain.
 * @param parameters - the settlement and the claim's key or its parts.
 * @example
 * ```ts
 * const claim = await getClaim(publicClient, { settlement, supplier, application, model, session: 12n });
 * if (claim?.settled) console.log("paid");
 * ```
 */
export async function getClaim(
  publicClient: PublicClient,
  parameters: GetClaimParameters,
): Promise<GetClaimReturnType> {
  const key = parameters.claimKey !== undefined ? parameters.claimKey : computeClaimKey(parameters);
  const claim = await publicClient.readContract({
    address: parameters.settlement,
    abi: aviarySettlementAbi,
    functionName: "getClaim",
    args: [key],
    ...(parameters.blockNumber === undefined ? {} : { blockNumber: parameters.blockNumber }),
  });
  if (claim.supplier === zeroAddress) return null;
  return {
    claimKey: key,
    supplier: claim.supplier,
    application: claim.application,
    model: claim.model,
    session: claim.session,
    root: { hash: claim.root.hash, sum: claim.root.sum, count: claim.root.count },
    amount: claim.amount,
    collateral: claim.collateral,
    proven: claim.proven,
    settled: claim.settled,
    slashed: claim.slashed,
  };
}
