import { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { hexInto, toHex } from "../internal/bytes.ts";
import { innerHashInto, type NodeBytes, UINT64_LIMIT, UINT128_LIMIT } from "./encoding.ts";
import type { TrieNode } from "./types.ts";

export type HashTrieInnerParameters = { left: TrieNode; right: TrieNode };
export type HashTrieInnerReturnType = TrieNode;
export type HashTrieInnerErrorType = HexInvalidError | ValueOutOfRangeError;

/**
 * The inner node over two children:
 * `hash = keccak256(0x01 ‖ L.hash ‖ uint128 L.sum ‖ uint64 L.count ‖ R.hash ‖ uint128 R.sum ‖ uint64 R.count)`,
 * sums and counts added. Throws when the added sum or count leaves uint128 / uint64 (the contract reverts).
 *
 * @example
 * ```ts
 * const parent = hashTrieInner({ left: hashTrieLeaf(a), right: EMPTY_TRIE_NODE });
 * ```
 */
export function hashTrieInner({ left, right }: HashTrieInnerParameters): HashTrieInnerReturnType {
  const leftBytes = toNodeBytes(left, "left");
  const rightBytes = toNodeBytes(right, "right");
  const sum = left.sum + right.sum;
  const count = left.count + right.count;
  if (sum >= UINT128_LIMIT) throw new ValueOutOfRangeError({ name: "sum", value: sum, type: "uint128" });
  if (count >= UINT64_LIMIT) throw new ValueOutOfRangeError({ name: "count", value: count, type: "uint64" });
  const hash = new Uint8Array(32);
  innerHashInto(leftBytes, rightBytes, hash);
  return { hash: toHex(hash), sum, count };
}

function toNodeBytes(node: TrieNode, name: string): NodeBytes {
  const hash = new Uint8Array(32);
  if (!hexInto(node.hash, hash, 0, 32))
    throw new HexInvalidError({ name: `${name}.hash`, value: node.hash, bytes: 32 });
  if (typeof node.sum !== "bigint" || node.sum < 0n || node.sum >= UINT128_LIMIT)
    throw new ValueOutOfRangeError({ name: `${name}.sum`, value: node.sum, type: "uint128" });
  if (typeof node.count !== "bigint" || node.count < 0n || node.count >= UINT64_LIMIT)
    throw new ValueOutOfRangeError({ name: `${name}.count`, value: node.count, type: "uint64" });
  return { hash, sum: node.sum, count: node.count };
}
