import { Command } from "commander";
import { example } from "../options.ts";
import { appBalanceCommand } from "./appBalance.command.ts";
import { appDelegateCommand } from "./appDelegate.command.ts";
import { appStakeCommand } from "./appStake.command.ts";

/**
 * `aviary app stake | delegate | balance`: an application's stake and delegations.
 *
 * @example
 * program.addCommand(appCommand());
 */
export function appCommand(): Command {
  return new Command("app")
    .description("An application's stake (its spend escrow) and the gateways it delegates to")
    .addHelpText("after", example("AVIARY_APP_KEY=0x… npx aviary app balance"))
    .addCommand(appStakeCommand())
    .addCommand(appDelegateCommand())
    .addCommand(appBalanceCommand());
}
