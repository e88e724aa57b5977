import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";

/**
 * `aviary protocol trie-prove`: the weighted proof a draw selects in the trie of the leaves on stdin.
 *
 * @example
 * protocol.addCommand(trieProveCommand());
 */
export function trieProveCommand(): Command {
  return new Command("trie-prove")
    .description("Weighted proof: the leaf a draw selects in the trie of the leaves on stdin")
    .addHelpText(
      "after",
      `
Input (stdin):  {"leaves":[…as for trie-root…],"by":"sum"|"count","r":"<decimal, below the root's sum or count>"}
Output:         {"key","valueHash","weight","sideNodes":[{"hash","sum","count"}, …]}  (side nodes root to leaf, Empty included)

Example:
  echo '{"leaves":[{"key":"0x${"11".repeat(32)}","valueHash":"0x${"22".repeat(32)}","weight":"5"}],"by":"sum","r":"3"}' | npx aviary protocol trie-prove`,
    )
    .action(lazyAction(z.object({}), async () => (await import("./trieProve.ts")).trieProve));
}
