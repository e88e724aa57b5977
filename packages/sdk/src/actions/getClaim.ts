import { aviarySettlementAbi, claimKey as computeClaimKey } from "@aviary/protocol";
import type { Address, Hex, PublicClient, ReadContractErrorType } from "viem";

export type GetClaimParameters = {
  /** The settlement contract. */
  settlement: Address;
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
  proven: boolean;
  settled: boolean;
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
  });
  if (claim.supplier === "0x0000000000000000000000000000000000000000") return null;
  return {
    claimKey: key,
    supplier: claim.supplier,
    application: claim.application,
    model: claim.model,
    session: claim.session,
    root: { hash: claim.root.hash, sum: claim.root.sum, count: claim.root.count },
    amount: claim.amount,
    proven: claim.proven,
    settled: claim.settled,
  };
}
