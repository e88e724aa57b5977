import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";

/**
 * `aviary protocol trie-root`: the sum trie root of the leaves on stdin.
 *
 * @example
 * protocol.addCommand(trieRootCommand());
 */
export function trieRootCommand(): Command {
  return new Command("trie-root")
    .description("Root of the sparse Merkle sum trie of the leaves on stdin")
    .addHelpText(
      "after",
      `
Input (stdin):  {"leaves":[{"key":"0x<32 bytes>","valueHash":"0x<32 bytes>","weight":"<decimal>"}]}
Output:         {"hash":"0x…","sum":"<decimal>","count":<n>}

Example:
  echo '{"leaves":[{"key":"0x${"11".repeat(32)}","valueHash":"0x${"22".repeat(32)}","weight":"5"}]}' | npx aviary protocol trie-root`,
    )
    .action(lazyAction(z.object({}), async () => (await import("./trieRoot.ts")).trieRoot));
}
