import { ProofInvalidError } from "../errors/trie.ts";
import { expandSideNodes } from "./expandSideNodes.ts";
import type { CompactWeightedProof, WeightedProof } from "./types.ts";

export type FromCompactProofParameters = CompactWeightedProof;
export type FromCompactProofReturnType = WeightedProof;
export type FromCompactProofErrorType = ProofInvalidError;

export { MAX_PROOF_DEPTH } from "./expandSideNodes.ts";

/**
 * Expands the contract's calldata form back to one side node per depth (Empty where `emptyMask` has a bit).
 * Depth = `sideNodes.length + popcount(emptyMask)`.
 *
 * @throws {ProofInvalidError} (`reason: "depth"`) when the depth exceeds 256 or `emptyMask` has bits at or above it.
 * @example
 * ```ts
 * const full = fromCompactProof({ key, valueHash, weight, sideNodes, emptyMask: 0b101n });
 * full.sideNodes.length; // sideNodes.length + 2
 * ```
 */
export function fromCompactProof(proof: FromCompactProofParameters): FromCompactProofReturnType {
  const sideNodes = expandSideNodes(proof.sideNodes, proof.emptyMask);
  if (typeof sideNodes === "string") throw new ProofInvalidError({ reason: "depth", details: sideNodes });
  return { key: proof.key, valueHash: proof.valueHash, weight: proof.weight, sideNodes };
}
