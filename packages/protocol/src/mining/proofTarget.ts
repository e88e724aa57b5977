import { type EncodeAbiParametersErrorType, encodeAbiParameters, type Hex, keccak256 } from "viem";

export type ProofTargetParameters = { proofSeed: Hex; claimKey: Hex };
export type ProofTargetReturnType = Hex;
export type ProofTargetErrorType = EncodeAbiParametersErrorType;

/**
 * The target path of a claim's closest proof: `keccak256(abi.encode(bytes32 proofSeed, bytes32 claimKey, uint256 1))`.
 *
 * @example
 * ```ts
 * const proof = trie.proveClosest(proofTarget({ proofSeed, claimKey }));
 * ```
 */
export function proofTarget({ proofSeed, claimKey }: ProofTargetParameters): ProofTargetReturnType {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }],
      [proofSeed, claimKey, 1n],
    ),
  );
}
