/**
 * Byte-level node encodings shared by the trie, its proofs and the verifier. Internal.
 *
 * Leaf:  keccak256(0x00 ‖ key[32] ‖ valueHash[32] ‖ uint128 weight)                                  (81 bytes)
 * Inner: keccak256(0x01 ‖ L.hash ‖ uint128 L.sum ‖ uint64 L.count ‖ R.hash ‖ uint128 R.sum ‖ uint64 R.count) (113 bytes)
 * @module
 */
import { writeUint } from "../internal/bytes.ts";
import { keccak256Into } from "./keccak.ts";

export const LEAF_BYTES = 81;
export const INNER_BYTES = 113;
/** Offset of the right child in the inner encoding (1 + 32 + 16 + 8). */
export const INNER_RIGHT = 57;

export const UINT128_LIMIT = 1n << 128n;
export const UINT64_LIMIT = 1n << 64n;

/** A node in byte form: 32-byte hash, bigint sum and count. */
export type NodeBytes = { hash: Uint8Array; sum: bigint; count: bigint };

const scratch = new Uint8Array(INNER_BYTES);

/** Leaf hash into `out` (32 bytes) from byte-form key and value. */
export function leafHashInto(key: Uint8Array, valueHash: Uint8Array, weight: bigint, out: Uint8Array): void {
  scratch[0] = 0;
  scratch.set(key, 1);
  scratch.set(valueHash, 33);
  writeUint(weight, scratch, 65, 16);
  keccak256Into(scratch, 0, LEAF_BYTES, out, 0);
}

/** Inner hash into `out` (32 bytes). Sums and counts must already fit uint128 / uint64. */
export function innerHashInto(left: NodeBytes, right: NodeBytes, out: Uint8Array): void {
  scratch[0] = 1;
  writeChild(left, 1);
  writeChild(right, INNER_RIGHT);
  keccak256Into(scratch, 0, INNER_BYTES, out, 0);
}

function writeChild(node: NodeBytes, offset: number): void {
  scratch.set(node.hash, offset);
  writeUint(node.sum, scratch, offset + 32, 16);
  writeUint(node.count, scratch, offset + 48, 8);
}
