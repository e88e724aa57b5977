import { Command } from "commander";
import { example } from "../options.ts";
import { explorerStartCommand } from "./explorerStart.command.ts";

/**
 * `aviary explorer start`: the web UI over the chain and the gateways' public APIs.
 *
 * @example
 * program.addCommand(explorerCommand());
 */
export function explorerCommand(): Command {
  return new Command("explorer")
    .description("The explorer: a web UI over the chain and the gateways' public APIs")
    .addHelpText("after", example("npx aviary explorer start --config .aviary/explorer.json"))
    .addCommand(explorerStartCommand());
}
