import { Command } from "commander";
import { example } from "../options.ts";
import { devnetDownCommand } from "./devnetDown.command.ts";
import { devnetStatusCommand } from "./devnetStatus.command.ts";
import { devnetUpCommand } from "./devnetUp.command.ts";

/**
 * `aviary devnet up | status | down`: the local network.
 *
 * @example
 * program.addCommand(devnetCommand());
 */
export function devnetCommand(): Command {
  return new Command("devnet")
    .description("The local network: chain, contracts, suppliers, an application, a gateway and the explorer")
    .addHelpText("after", example("npx aviary devnet up", "npx aviary devnet status"))
    .addCommand(devnetUpCommand())
    .addCommand(devnetStatusCommand())
    .addCommand(devnetDownCommand());
}
