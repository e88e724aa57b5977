import type { Hex } from "viem";
import { ZERO_HASH } from "../internal/bytes.ts";

/**
 * A node of the sparse Merkle sum trie, as the contract's `TrieNode` struct: `(bytes32 hash, uint128 sum, uint64 count)`.
 * Empty is `(0x00…00, 0, 0)`.
 */
export type TrieNode = { hash: Hex; sum: bigint; count: bigint };

/** A leaf as stored: `key` (the relay key), `valueHash` (see `relayValueHash`) and `weight` (the relay's cost). */
export type TrieLeaf = { key: Hex; valueHash: Hex; weight: bigint };

/** What `SumTrie.insert` and `buildSumTrie` accept: hex or raw 32-byte arrays, weight a uint128. */
export type TrieLeafInput = { key: Hex | Uint8Array; valueHash: Hex | Uint8Array; weight: bigint };

/** Which weight a proof draw follows (the contract's `ProofDraw`): the leaf sums (cost) or the leaf counts (1 a leaf). */
export type ProofDraw = "sum" | "count";

/**
 * A weighted proof in full form: the drawn leaf and one side node per depth, root to leaf (`sideNodes[0]` is
 * the sibling of the depth-0 child), Empty ones included. Depth = `sideNodes.length`.
 */
export type WeightedProof = TrieLeaf & { sideNodes: TrieNode[] };

/**
 * A weighted proof in the contract's calldata form (`LeafProof` minus the leaf's value): only the non-empty
 * side nodes, root to leaf, and `emptyMask` with bit `i` set when the side node at depth `i` is Empty.
 * Depth = `sideNodes.length + popcount(emptyMask)`.
 */
export type CompactWeightedProof = TrieLeaf & { sideNodes: TrieNode[]; emptyMask: bigint };

/**
 * The Empty node `(0x00…00, 0, 0)`.
 *
 * @example
 * ```ts
 * const isEmpty = node.hash === EMPTY_TRIE_NODE.hash && node.sum === 0n && node.count === 0n;
 * ```
 */
export const EMPTY_TRIE_NODE: Readonly<TrieNode> = Object.freeze({ hash: ZERO_HASH, sum: 0n, count: 0n });

/**
 * True for the Empty node `(0, 0, 0)` (any hex case).
 *
 * @example
 * ```ts
 * isEmptyTrieNode({ hash: `0x${"00".repeat(32)}`, sum: 0n, count: 0n }); // true
 * ```
 */
export function isEmptyTrieNode(node: TrieNode): boolean {
  return node.sum === 0n && node.count === 0n && /^0x0{64}$/.test(node.hash);
}
