import type { ValueOutOfRangeError } from "../errors/values.ts";
import { assertUint } from "./assertUint.ts";

export type ClaimCollateralParameters = {
  /** The claim's amount (`claimAmount(root.sum, p)`). */
  amount: bigint;
  /** The settlement's `missingProofPenalty` (devnet 10 × `proofThreshold`). */
  missingProofPenalty: bigint;
};
export type ClaimCollateralReturnType = bigint;
export type ClaimCollateralErrorType = ValueOutOfRangeError;

/**
 * What a claim locks of its supplier's unlocked stake until it settles (protocol.md §7):
 * `max(missingProofPenalty, amount)`. The claim is refused (`InsufficientCollateral`) when the unlocked stake is
 * smaller; a required proof that never comes slashes all of it.
 *
 * @example
 * ```ts
 * claimCollateral({ amount: 40n, missingProofPenalty: 1_000n }); // 1000n
 * claimCollateral({ amount: 5_000n, missingProofPenalty: 1_000n }); // 5000n
 * ```
 */
export function claimCollateral({
  amount,
  missingProofPenalty,
}: ClaimCollateralParameters): ClaimCollateralReturnType {
  assertUint(amount, 256, "amount");
  assertUint(missingProofPenalty, 256, "missingProofPenalty");
  return amount > missingProofPenalty ? amount : missingProofPenalty;
}
