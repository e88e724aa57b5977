import { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { bytesInto, toHex } from "../internal/bytes.ts";
import { leafHashInto, UINT128_LIMIT } from "./encoding.ts";
import type { TrieLeafInput, TrieNode } from "./types.ts";

export type HashTrieLeafParameters = TrieLeafInput;
export type HashTrieLeafReturnType = TrieNode;
export type HashTrieLeafErrorType = HexInvalidError | ValueOutOfRangeError;

/**
 * The trie node of one leaf: `hash = keccak256(0x00 ‖ key ‖ valueHash ‖ uint128 weight)`, `sum = weight`, `count = 1`.
 *
 * @param leaf.key - 32 bytes (the relay key).
 * @param leaf.valueHash - 32 bytes (see `relayValueHash`).
 * @param leaf.weight - uint128 (the relay's cost).
 * @example
 * ```ts
 * const node = hashTrieLeaf({ key: relayKey({ domain, request }), valueHash, weight: 120n });
 * // a trie with this one leaf has root === node
 * ```
 */
export function hashTrieLeaf(leaf: HashTrieLeafParameters): HashTrieLeafReturnType {
  const key = new Uint8Array(32);
  const valueHash = new Uint8Array(32);
  if (!bytesInto(leaf.key, key, 0, 32))
    throw new HexInvalidError({ name: "key", value: leaf.key, bytes: 32 });
  if (!bytesInto(leaf.valueHash, valueHash, 0, 32))
    throw new HexInvalidError({ name: "valueHash", value: leaf.valueHash, bytes: 32 });
  if (typeof leaf.weight !== "bigint" || leaf.weight < 0n || leaf.weight >= UINT128_LIMIT)
    throw new ValueOutOfRangeError({ name: "weight", value: leaf.weight, type: "uint128" });
  const hash = new Uint8Array(32);
  leafHashInto(key, valueHash, leaf.weight, hash);
  return { hash: toHex(hash), sum: leaf.weight, count: 1n };
}
