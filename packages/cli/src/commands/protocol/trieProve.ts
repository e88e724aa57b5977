import { buildSumTrie } from "@aviary/protocol";
import { readStdinJson } from "../../io/readStdinJson.ts";
import { parseInput } from "./parseInput.ts";
import { nodeToJson } from "./trieRoot.ts";
import { trieProveInputSchema } from "./trieSchemas.ts";

/**
 * `aviary protocol trie-prove`: prints the leaf that `r` draws by `by` (protocol.md §6) with its side nodes,
 * from the root down, Empty ones included.
 */
export async function trieProve(): Promise<void> {
  const input = parseInput(
    trieProveInputSchema,
    await readStdinJson('{"leaves":[…],"by":"sum"|"count","r":"<decimal>"}'),
  );
  const proof = buildSumTrie(input.leaves).proveDrawn(input.by, input.r);
  process.stdout.write(
    `${JSON.stringify({
      key: proof.key,
      valueHash: proof.valueHash,
      weight: proof.weight.toString(),
      sideNodes: proof.sideNodes.map(nodeToJson),
    })}\n`,
  );
}
