import type { Hex } from "viem";
import type { ProofInvalidReason } from "../errors/trie.ts";
import { hexInto } from "../internal/bytes.ts";
import { innerHashInto, leafHashInto, type NodeBytes, UINT64_LIMIT, UINT128_LIMIT } from "./encoding.ts";
import { expandSideNodes, MAX_PROOF_DEPTH } from "./expandSideNodes.ts";
import type { TrieNode } from "./types.ts";

export type VerifyClosestProofParameters = {
  /** The claimed root `(hash, sum, count)`. */
  root: TrieNode;
  /** The target path (32 bytes), e.g. `proofTarget({ proofSeed, claimKey })`. */
  target: Hex;
  /** The leaf's key. `verifyRelayProof` recomputes it from the relay instead of trusting it. */
  key: Hex;
  valueHash: Hex;
  weight: bigint;
  /** Full form: one per depth, root to leaf. Compact form (with `emptyMask`): the non-empty ones only. */
  sideNodes: readonly TrieNode[];
  /** Present: `sideNodes` is the compact form and bit `i` marks an Empty side node at depth `i`. */
  emptyMask?: bigint | undefined;
};

/** The verdict: valid with the leaf's depth, or invalid with the first failed check. */
export type ClosestProofVerdict =
  | { valid: true; depth: number }
  | { valid: false; reason: ProofInvalidReason; depth?: number; details?: string };

export type VerifyClosestProofReturnType = ClosestProofVerdict;
export type VerifyClosestProofErrorType = never;

/**
 * Verifies a closest proof exactly as the contract's `verifyClosestProof` does, and says why when it fails:
 * - `"malformed"`: a hex field is not 32 bytes, or a number is outside its uint type;
 * - `"depth"`: depth D (side nodes, plus popcount(emptyMask) in compact form) is above 256, or the mask has
 *   bits at or above D (contract: `InvalidProofDepth`);
 * - `"not-closest"`: at some depth i < D the key's bit differs from the target's and the side node is not
 *   Empty, so a leaf on the target's side was skipped; `depth` is the deepest such i (contract: `NotClosestLeaf(i)`);
 * - `"root-mismatch"`: the leaf folded with the side nodes (from depth D−1 up to 0; key bit i = 0 means the
 *   current node is the left child) is not `(root.hash, root.sum, root.count)`, or a sum / count overflows
 *   uint128 / uint64 on the way up (contract: `RootMismatch`).
 *
 * `depth` in an invalid verdict is what the contract's error carries (D for depth and root errors).
 *
 * A side node counts as Empty when it is `(0, 0, 0)`, whether sent in the mask or explicitly (both fold to
 * the same hash). Never throws.
 *
 * @example
 * ```ts
 * const proof = trie.proveClosest(target);
 * verifyClosestProof({ root: trie.root(), target, ...proof }); // { valid: true, depth }
 * verifyClosestProof({ root: trie.root(), target, ...toCompactProof(proof) }); // same verdict
 * ```
 */
export function verifyClosestProof(parameters: VerifyClosestProofParameters): VerifyClosestProofReturnType {
  const { root, target, key, valueHash, weight, emptyMask } = parameters;
  const keyBytes = new Uint8Array(32);
  const targetBytes = new Uint8Array(32);
  const valueBytes = new Uint8Array(32);
  const rootHash = new Uint8Array(32);
  if (
    !hexInto(key, keyBytes, 0, 32) ||
    !hexInto(target, targetBytes, 0, 32) ||
    !hexInto(valueHash, valueBytes, 0, 32) ||
    !hexInto(root?.hash, rootHash, 0, 32)
  )
    return {
      valid: false,
      reason: "malformed",
      details: "key, target, valueHash and root.hash must be 32-byte hex",
    };
  if (!isUint(weight, UINT128_LIMIT) || !isUint(root.sum, UINT128_LIMIT) || !isUint(root.count, UINT64_LIMIT))
    return { valid: false, reason: "malformed", details: "weight, root.sum or root.count is out of range" };
  if (!Array.isArray(parameters.sideNodes))
    return { valid: false, reason: "malformed", details: "sideNodes must be an array" };

  let sideNodes: readonly TrieNode[];
  if (emptyMask === undefined) {
    if (parameters.sideNodes.length > MAX_PROOF_DEPTH)
      return { valid: false, reason: "depth", depth: parameters.sideNodes.length };
    sideNodes = parameters.sideNodes;
  } else {
    const expanded = expandSideNodes(parameters.sideNodes, emptyMask);
    if (typeof expanded === "string") {
      if (typeof emptyMask !== "bigint" || emptyMask < 0n || emptyMask >= 1n << 256n)
        return { valid: false, reason: "malformed", details: expanded };
      return {
        valid: false,
        reason: "depth",
        depth: parameters.sideNodes.length + popcount(emptyMask),
        details: expanded,
      };
    }
    sideNodes = expanded;
  }
  const depth = sideNodes.length;

  const nodes: NodeBytes[] = [];
  for (const node of sideNodes) {
    const hash = new Uint8Array(32);
    if (
      !node ||
      !hexInto(node.hash, hash, 0, 32) ||
      !isUint(node.sum, UINT128_LIMIT) ||
      !isUint(node.count, UINT64_LIMIT)
    )
      return { valid: false, reason: "malformed", details: `side node ${nodes.length} is malformed` };
    nodes.push({ hash, sum: node.sum, count: node.count });
  }

  // Deepest offending depth first, as the contract reports it (NotClosestLeaf(depth)).
  for (let index = depth - 1; index >= 0; index--) {
    if (bit(keyBytes, index) !== bit(targetBytes, index) && !isEmpty(nodes[index] as NodeBytes))
      return { valid: false, reason: "not-closest", depth: index };
  }

  const leafHash = new Uint8Array(32);
  leafHashInto(keyBytes, valueBytes, weight, leafHash);
  let current: NodeBytes = { hash: leafHash, sum: weight, count: 1n };
  for (let index = depth - 1; index >= 0; index--) {
    const side = nodes[index] as NodeBytes;
    const sum = current.sum + side.sum;
    const count = current.count + side.count;
    // The contract's fold treats an overflowing sum or count as a root mismatch.
    if (sum >= UINT128_LIMIT || count >= UINT64_LIMIT)
      return {
        valid: false,
        reason: "root-mismatch",
        depth,
        details: `sum or count overflows at depth ${index}`,
      };
    const hash = new Uint8Array(32);
    if (bit(keyBytes, index) === 0) innerHashInto(current, side, hash);
    else innerHashInto(side, current, hash);
    current = { hash, sum, count };
  }
  if (!equalBytes(current.hash, rootHash) || current.sum !== root.sum || current.count !== root.count)
    return { valid: false, reason: "root-mismatch", depth };
  return { valid: true, depth };
}

function popcount(value: bigint): number {
  let count = 0;
  for (let rest = value; rest !== 0n; rest &= rest - 1n) count++;
  return count;
}

function isUint(value: unknown, limit: bigint): value is bigint {
  return typeof value === "bigint" && value >= 0n && value < limit;
}

function bit(bytes: Uint8Array, index: number): number {
  return ((bytes[index >>> 3] as number) >>> (7 - (index & 7))) & 1;
}

function isEmpty(node: NodeBytes): boolean {
  return node.sum === 0n && node.count === 0n && node.hash.every((byte) => byte === 0);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false;
  return true;
}
