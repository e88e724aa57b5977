import { SumTrie, type SumTrieFromLeavesErrorType } from "./SumTrie.ts";
import type { TrieLeafInput } from "./types.ts";

export type BuildSumTrieParameters = Iterable<TrieLeafInput>;
export type BuildSumTrieReturnType = SumTrie;
export type BuildSumTrieErrorType = SumTrieFromLeavesErrorType;

/**
 * Builds a {@link SumTrie} from all its leaves at once: sorts the keys, then links and hashes every node in
 * one pass. Same root as inserting the leaves one by one in any order; faster when the leaves are all known
 * (a supplier building a claim after the mining seed exists). The result accepts further inserts.
 *
 * @param leaves - `{ key, valueHash, weight }` each; keys must be distinct.
 * @throws {TrieDuplicateKeyError} when two leaves share a key.
 * @example
 * ```ts
 * const trie = buildSumTrie(mined.map((relay) => ({ key: relay.key, valueHash: relay.valueHash, weight: relay.cost })));
 * const root = trie.root();
 * ```
 */
export function buildSumTrie(leaves: BuildSumTrieParameters): BuildSumTrieReturnType {
  return SumTrie.fromLeaves(leaves);
}
