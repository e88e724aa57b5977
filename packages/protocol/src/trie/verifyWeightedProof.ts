import type { Hex } from "viem";
import { hexInto } from "../internal/bytes.ts";
import { innerHashInto, leafHashInto, type NodeBytes, UINT64_LIMIT, UINT128_LIMIT } from "./encoding.ts";
import { expandSideNodes, MAX_PROOF_DEPTH } from "./expandSideNodes.ts";
import type { ProofDraw, TrieNode } from "./types.ts";

const UINT256_LIMIT = 1n << 256n;

export type VerifyWeightedProofParameters = {
  /** The claimed root `(hash, sum, count)`. */
  root: TrieNode;
  /** Which draw the leaf answers: `"sum"` (`r`) or `"count"` (`r'`). */
  by: ProofDraw;
  /** The drawn value (uint256), e.g. `proofDraws(…).sumDraw`. */
  drawn: bigint;
  /** The leaf's key. `verifyRelayProof` recomputes it from the relay instead of trusting it. */
  key: Hex;
  valueHash: Hex;
  weight: bigint;
  /** Full form: one per depth, root to leaf. Compact form (with `emptyMask`): the non-empty ones only. */
  sideNodes: readonly TrieNode[];
  /** Present: `sideNodes` is the compact form and bit `i` marks an Empty side node at depth `i`. */
  emptyMask?: bigint | undefined;
};

/**
 * The verdict: valid with the leaf's depth and its interval `[start, end)` of cumulative weights (by count:
 * `[position, position + 1)`), or invalid with the first failed check.
 */
export type WeightedProofVerdict =
  | { valid: true; depth: number; start: bigint; end: bigint }
  | {
      valid: false;
      reason: "malformed" | "depth" | "root-mismatch" | "not-drawn";
      depth?: number;
      details?: string;
    };

export type VerifyWeightedProofReturnType = WeightedProofVerdict;
export type VerifyWeightedProofErrorType = never;

/**
 * Verifies a weighted proof exactly as the contract's `SumTrie.check` (`checkWeightedProof`) does, in its
 * order, and says why when it fails:
 * - `"malformed"`: a hex field is not 32 bytes, a number is outside its uint type, or `by` is neither draw
 *   (inputs the contract's ABI could not even carry);
 * - `"depth"`: depth D (side nodes, plus popcount(emptyMask) in compact form) is above 256, or the mask has
 *   bits at or above D (contract: `InvalidDepth` / `InvalidProofDepth(D)`);
 * - `"root-mismatch"`: the leaf folded with the side nodes (from depth D−1 up to 0; key bit d = 0 means the
 *   current node is the left child) is not `(root.hash, root.sum, root.count)`, or a sum / count overflows
 *   uint128 / uint64 on the way up (contract: `RootMismatch`);
 * - `"not-drawn"`: with `prefix` = the sums (by count: the counts) of the side nodes at the depths where the
 *   key's bit is 1 (they are left siblings), `drawn` is outside `[prefix, prefix + weight)` (by count:
 *   `drawn ≠ prefix`) (contract: `NotDrawn` / `LeafNotDrawn`).
 *
 * `depth` in an invalid verdict is D for the depth, root and draw checks.
 *
 * A side node counts as Empty when it is `(0, 0, 0)`, whether sent in the mask or explicitly (both fold to
 * the same hash). Never throws.
 *
 * @example
 * ```ts
 * const proof = trie.proveDrawn("count", countDraw);
 * verifyWeightedProof({ root: trie.root(), by: "count", drawn: countDraw, ...proof }); // { valid: true, depth, start, end }
 * verifyWeightedProof({ root: trie.root(), by: "count", drawn: countDraw, ...toCompactProof(proof) }); // same
 * ```
 */
export function verifyWeightedProof(
  parameters: VerifyWeightedProofParameters,
): VerifyWeightedProofReturnType {
  const { root, by, drawn, key, valueHash, weight, emptyMask } = parameters;
  const keyBytes = new Uint8Array(32);
  const valueBytes = new Uint8Array(32);
  const rootHash = new Uint8Array(32);
  if (
    !hexInto(key, keyBytes, 0, 32) ||
    !hexInto(valueHash, valueBytes, 0, 32) ||
    !hexInto(root?.hash, rootHash, 0, 32)
  )
    return { valid: false, reason: "malformed", details: "key, valueHash and root.hash must be 32-byte hex" };
  if (!isUint(weight, UINT128_LIMIT) || !isUint(root.sum, UINT128_LIMIT) || !isUint(root.count, UINT64_LIMIT))
    return { valid: false, reason: "malformed", details: "weight, root.sum or root.count is out of range" };
  if (by !== "sum" && by !== "count")
    return { valid: false, reason: "malformed", details: 'by must be "sum" or "count"' };
  if (!isUint(drawn, UINT256_LIMIT))
    return { valid: false, reason: "malformed", details: "drawn must be a uint256 bigint" };
  if (!Array.isArray(parameters.sideNodes))
    return { valid: false, reason: "malformed", details: "sideNodes must be an array" };

  // 1. Depth.
  let sideNodes: readonly TrieNode[];
  if (emptyMask === undefined) {
    if (parameters.sideNodes.length > MAX_PROOF_DEPTH)
      return { valid: false, reason: "depth", depth: parameters.sideNodes.length };
    sideNodes = parameters.sideNodes;
  } else {
    const expanded = expandSideNodes(parameters.sideNodes, emptyMask);
    if (typeof expanded === "string") {
      if (!isUint(emptyMask, UINT256_LIMIT)) return { valid: false, reason: "malformed", details: expanded };
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

  // 2. Fold to the root, deepest first, keeping the prefix of the left siblings.
  const leafHash = new Uint8Array(32);
  leafHashInto(keyBytes, valueBytes, weight, leafHash);
  let current: NodeBytes = { hash: leafHash, sum: weight, count: 1n };
  let prefixSum = 0n;
  let prefixCount = 0n;
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
    else {
      innerHashInto(side, current, hash);
      prefixSum += side.sum;
      prefixCount += side.count;
    }
    current = { hash, sum, count };
  }
  if (!equalBytes(current.hash, rootHash) || current.sum !== root.sum || current.count !== root.count)
    return { valid: false, reason: "root-mismatch", depth };

  // 3. The draw.
  const start = by === "sum" ? prefixSum : prefixCount;
  const end = by === "sum" ? prefixSum + weight : prefixCount + 1n;
  if (drawn < start || drawn >= end)
    return {
      valid: false,
      reason: "not-drawn",
      depth,
      details: `drawn ${drawn} is outside the leaf's interval [${start}, ${end}) by ${by}`,
    };
  return { valid: true, depth, start, end };
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

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false;
  return true;
}
