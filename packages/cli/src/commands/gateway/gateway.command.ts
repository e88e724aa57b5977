import { Command } from "commander";
import { example } from "../options.ts";
import { gatewayKeysCommand } from "./gatewayKeys.command.ts";
import { gatewayStakeCommand } from "./gatewayStake.command.ts";
import { gatewayStartCommand } from "./gatewayStart.command.ts";
import { gatewayStatusCommand } from "./gatewayStatus.command.ts";
import { gatewayUnstakeCommand } from "./gatewayUnstake.command.ts";

/**
 * `aviary gateway start | stake | unstake | status | keys`: a gateway node, its stake and its API keys.
 *
 * @example
 * program.addCommand(gatewayCommand());
 */
export function gatewayCommand(): Command {
  return new Command("gateway")
    .description("Run and manage a gateway: the OpenAI-compatible front door to the network")
    .addHelpText("after", example("npx aviary gateway keys list --config gateway.json"))
    .addCommand(gatewayStartCommand())
    .addCommand(gatewayStakeCommand())
    .addCommand(gatewayUnstakeCommand())
    .addCommand(gatewayStatusCommand())
    .addCommand(gatewayKeysCommand());
}
