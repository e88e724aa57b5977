import type { CompactWeightedProof, TrieNode, WeightedProof } from "./types.ts";
import { isEmptyTrieNode } from "./types.ts";

export type ToCompactProofParameters = WeightedProof;
export type ToCompactProofReturnType = CompactWeightedProof;
export type ToCompactProofErrorType = never;

/**
 * Converts a full weighted proof (one side node per depth) to the contract's calldata form: the non-empty
 * side nodes in order and `emptyMask` with bit `i` set where the side node at depth `i` is Empty.
 *
 * @example
 * ```ts
 * const { key, valueHash, weight, sideNodes, emptyMask } = toCompactProof(trie.proveDrawn("sum", sumDraw));
 * ```
 */
export function toCompactProof(proof: ToCompactProofParameters): ToCompactProofReturnType {
  const sideNodes: TrieNode[] = [];
  let emptyMask = 0n;
  proof.sideNodes.forEach((node, depth) => {
    if (isEmptyTrieNode(node)) emptyMask |= 1n << BigInt(depth);
    else sideNodes.push(node);
  });
  return { key: proof.key, valueHash: proof.valueHash, weight: proof.weight, sideNodes, emptyMask };
}
