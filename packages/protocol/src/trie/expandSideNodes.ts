import { EMPTY_TRIE_NODE, type TrieNode } from "./types.ts";

/** Deepest possible leaf: keys are 256 bits. */
export const MAX_PROOF_DEPTH = 256;

/** The full side-node list, or a reason string when the mask and length do not fit together. Internal. */
export function expandSideNodes(compact: readonly TrieNode[], emptyMask: bigint): TrieNode[] | string {
  if (typeof emptyMask !== "bigint" || emptyMask < 0n || emptyMask >= 1n << 256n)
    return "emptyMask must be a uint256 bigint";
  let empties = 0;
  for (let mask = emptyMask; mask !== 0n; mask &= mask - 1n) empties++;
  const depth = compact.length + empties;
  if (depth > MAX_PROOF_DEPTH) return `depth ${depth} exceeds ${MAX_PROOF_DEPTH}`;
  if (emptyMask >> BigInt(depth) !== 0n) return `emptyMask has bits at or above the depth ${depth}`;
  const full: TrieNode[] = [];
  let next = 0;
  for (let depthIndex = 0; depthIndex < depth; depthIndex++) {
    if ((emptyMask >> BigInt(depthIndex)) & 1n) full.push({ ...EMPTY_TRIE_NODE });
    else full.push(compact[next++] as TrieNode);
  }
  return full;
}
