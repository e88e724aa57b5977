import type { Hex } from "viem";
import type { TrieEmptyError, TrieInputError } from "../errors/trie.ts";
import type { HexInvalidError, ValueOutOfRangeError } from "../errors/values.ts";
import { proofDraws } from "../mining/proofDraws.ts";
import type { SumTrie } from "./SumTrie.ts";
import { toCompactProof } from "./toCompactProof.ts";
import type { CompactWeightedProof } from "./types.ts";

export type ProveClaimParameters = {
  /** `proofSeed[s] = blockhash(B)` of the claim's session. */
  proofSeed: Hex;
  claimKey: Hex;
};
/** `[sumDrawn]` when both draws land on one leaf, else `[sumDrawn, countDrawn]`: the order `prove` takes. */
export type ProveClaimReturnType = CompactWeightedProof[];
export type ProveClaimErrorType = TrieEmptyError | TrieInputError | HexInvalidError | ValueOutOfRangeError;

/**
 * The proofs `prove(claimKey, proofs)` takes for a claim of `trie.root()`: the leaf drawn by sum and the leaf
 * drawn by count ({@link proofDraws}), in compact form; one proof when both draws select the same leaf.
 * Each proof still needs its leaf's value (the signed relay whose `relayKey` is `proof.key`) for calldata.
 *
 * @param trie - the claim's trie (its root is the claimed root).
 * @throws {TrieEmptyError} when the trie is empty; {@link ValueOutOfRangeError} when its sum is zero.
 * @example
 * ```ts
 * const proofs = proveClaim(trie, { proofSeed, claimKey });
 * const calldata = proofs.map(({ key, sideNodes, emptyMask }) => ({ leaf: relays.get(key), sideNodes, emptyMask }));
 * await settlement.write.prove([claimKey, calldata]);
 * ```
 */
export function proveClaim(
  trie: SumTrie,
  { proofSeed, claimKey }: ProveClaimParameters,
): ProveClaimReturnType {
  const { sumDraw, countDraw } = proofDraws({ proofSeed, claimKey, root: trie.root() });
  const bySum = trie.proveDrawn("sum", sumDraw);
  const byCount = trie.proveDrawn("count", countDraw);
  // One leaf has one path: the same key means the same side nodes.
  if (byCount.key === bySum.key) return [toCompactProof(bySum)];
  return [toCompactProof(bySum), toCompactProof(byCount)];
}
