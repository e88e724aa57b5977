import { Command } from "commander";
import { example } from "../options.ts";
import { trieProveCommand } from "./trieProve.command.ts";
import { trieRootCommand } from "./trieRoot.command.ts";

/**
 * `aviary protocol trie-root | trie-prove`: conformance commands for other implementations.
 *
 * @example
 * program.addCommand(protocolCommand());
 */
export function protocolCommand(): Command {
  return new Command("protocol")
    .description("Conformance commands: the protocol library's answers, for testing other implementations")
    .addHelpText("after", example("npx aviary protocol trie-root --help"))
    .addCommand(trieRootCommand())
    .addCommand(trieProveCommand());
}
