import type { Hex } from "viem";
import { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { hexInto, readUint } from "../internal/bytes.ts";
import { keccak256Into } from "../trie/keccak.ts";
import type { TrieNode } from "../trie/types.ts";

export type ProofDrawsParameters = {
  /** `proofSeed[s] = blockhash(B)` of the claim's session. */
  proofSeed: Hex;
  claimKey: Hex;
  /** The claim's root; only its sum (S ≥ 1, uint128) and count (N ≥ 1, uint64) are used. */
  root: Pick<TrieNode, "sum" | "count">;
};
export type ProofDrawsReturnType = {
  /** `r = uint256(keccak256(abi.encode(proofSeed, claimKey, uint256(1)))) % S`. */
  sumDraw: bigint;
  /** `r' = uint256(keccak256(abi.encode(proofSeed, claimKey, uint256(2)))) % N`. */
  countDraw: bigint;
};
export type ProofDrawsErrorType = HexInvalidError | ValueOutOfRangeError;

const buffer = new Uint8Array(96);
const digest = new Uint8Array(32);

/**
 * A claim's two proof draws, as the settlement's `proofDraws` computes them (protocol.md §6): by sum
 * `uint256(keccak256(abi.encode(bytes32 proofSeed, bytes32 claimKey, uint256 1))) % root.sum`, by count the
 * same with index 2 and `% root.count`. Prove them with `proveClaim` (or `SumTrie#proveDrawn`).
 *
 * @throws {ValueOutOfRangeError} when the root's sum or count is zero (no claim has such a root) or too wide.
 * @example
 * ```ts
 * const { sumDraw, countDraw } = proofDraws({ proofSeed, claimKey, root: trie.root() });
 * const bySum = trie.proveDrawn("sum", sumDraw);
 * ```
 */
export function proofDraws({ proofSeed, claimKey, root }: ProofDrawsParameters): ProofDrawsReturnType {
  if (!hexInto(proofSeed, buffer, 0, 32))
    throw new HexInvalidError({ name: "proofSeed", value: proofSeed, bytes: 32 });
  if (!hexInto(claimKey, buffer, 32, 32))
    throw new HexInvalidError({ name: "claimKey", value: claimKey, bytes: 32 });
  const sum = root?.sum;
  const count = root?.count;
  if (typeof sum !== "bigint" || sum < 1n || sum >= 1n << 128n)
    throw new ValueOutOfRangeError({ name: "root.sum", value: sum, type: "uint128 of at least 1" });
  if (typeof count !== "bigint" || count < 1n || count >= 1n << 64n)
    throw new ValueOutOfRangeError({ name: "root.count", value: count, type: "uint64 of at least 1" });
  return { sumDraw: draw(1) % sum, countDraw: draw(2) % count };
}

function draw(index: number): bigint {
  buffer.fill(0, 64, 95);
  buffer[95] = index;
  keccak256Into(buffer, 0, 96, digest, 0);
  return readUint(digest, 0, 32);
}
