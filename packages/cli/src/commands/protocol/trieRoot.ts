import { buildSumTrie, type TrieNode } from "@aviary/protocol";
import { readStdinJson } from "../../io/readStdinJson.ts";
import { parseInput } from "./parseInput.ts";
import { trieRootInputSchema } from "./trieSchemas.ts";

/** JSON form of a trie node: sums as decimal strings (uint128 does not fit a JSON number), count a number. */
export function nodeToJson(node: TrieNode): { hash: string; sum: string; count: number } {
  return { hash: node.hash, sum: node.sum.toString(), count: Number(node.count) };
}

/** `aviary protocol trie-root`: prints the root `(hash, sum, count)` of the leaves on stdin. */
export async function trieRoot(): Promise<void> {
  const input = parseInput(trieRootInputSchema, await readStdinJson('{"leaves":[…]}'));
  const trie = buildSumTrie(input.leaves);
  process.stdout.write(`${JSON.stringify(nodeToJson(trie.root()))}\n`);
}
