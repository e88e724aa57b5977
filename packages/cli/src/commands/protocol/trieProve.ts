import { buildSumTrie } from "@aviary/protocol";
import { readStdinJson } from "../../io/readStdinJson.ts";
import { parseInput } from "./parseInput.ts";
import { nodeToJson } from "./trieRoot.ts";
import { trieProveInputSchema } from "./trieSchemas.ts";

/** `aviary protocol trie-prove`: prints the closest proof for `target`, side nodes from the root down. */
export async function trieProve(): Promise<void> {
  const input = parseInput(trieProveInputSchema, await readStdinJson('{"leaves":[…],"target":"0x…"}'));
  const proof = buildSumTrie(input.leaves).proveClosest(input.target);
  process.stdout.write(
    `${JSON.stringify({
      key: proof.key,
      valueHash: proof.valueHash,
      weight: proof.weight.toString(),
      sideNodes: proof.sideNodes.map(nodeToJson),
    })}\n`,
  );
}
