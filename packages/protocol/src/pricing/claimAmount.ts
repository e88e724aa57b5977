import { WAD } from "../constants.ts";
import { ProbabilityInvalidError, type ValueOutOfRangeError } from "../errors/values.ts";
import { assertUint } from "./assertUint.ts";

export type ClaimAmountErrorType = ProbabilityInvalidError | ValueOutOfRangeError;

/**
 * What a claim is worth before the budget cap: `sum · 1e18 / probabilityWad` (floor), an unbiased estimate of
 * all cost served when only a fraction `p` of relays was mined.
 *
 * @param sum - the claim root's sum (uint128).
 * @param probabilityWad - the model's mining probability in the claim's session (wad, > 0).
 * @example
 * ```ts
 * claimAmount(1_000n, 250_000_000_000_000_000n); // 4000n (p = 0.25)
 * ```
 */
export function claimAmount(sum: bigint, probabilityWad: bigint): bigint {
  assertUint(sum, 128, "sum");
  if (typeof probabilityWad !== "bigint" || probabilityWad <= 0n)
    throw new ProbabilityInvalidError({
      probabilityWad: BigInt(probabilityWad),
      reason: "must be positive to divide by it",
    });
  return (sum * WAD) / probabilityWad;
}
