import { type EncodeAbiParametersErrorType, encodeAbiParameters, type Hex, keccak256 } from "viem";
import type { ProbabilityInvalidError } from "../errors/values.ts";
import { isBelow } from "./isBelow.ts";

export type IsProofRequiredParameters = {
  /** The claim's amount, `sum * 1e18 / p` (see `claimAmount`). */
  amount: bigint;
  /** Claims with `amount >= proofThreshold` always need a proof. */
  proofThreshold: bigint;
  /** `proofSeed[s]`; undefined or zero means never stored, and then every claim of `s` needs a proof. */
  proofSeed: Hex | undefined;
  claimKey: Hex;
  /** The chance that a claim below the threshold needs a proof (wad; devnet 0.25e18). */
  proofProbabilityWad: bigint;
};
export type IsProofRequiredReturnType = boolean;
export type IsProofRequiredErrorType = EncodeAbiParametersErrorType | ProbabilityInvalidError;

/**
 * Whether a claim must be proven (the settlement's `isProofRequired`): `amount >= proofThreshold`, or the proof
 * seed is missing, or `keccak256(abi.encode(bytes32 proofSeed, bytes32 claimKey, uint256 0))` is below
 * `proofProbabilityWad`.
 *
 * @example
 * ```ts
 * if (isProofRequired({ amount, proofThreshold, proofSeed, claimKey, proofProbabilityWad })) await prove();
 * ```
 */
export function isProofRequired(parameters: IsProofRequiredParameters): IsProofRequiredReturnType {
  const { amount, proofThreshold, proofSeed, claimKey, proofProbabilityWad } = parameters;
  if (amount >= proofThreshold) return true;
  if (proofSeed === undefined || /^0x0{64}$/.test(proofSeed)) return true;
  const draw = keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }],
      [proofSeed, claimKey, 0n],
    ),
  );
  return isBelow(draw, proofProbabilityWad);
}
