import { Command } from "commander";
import { example } from "../options.ts";
import { supplierOfferCommand } from "./supplierOffer.command.ts";
import { supplierStakeCommand } from "./supplierStake.command.ts";
import { supplierStartCommand } from "./supplierStart.command.ts";
import { supplierStatusCommand } from "./supplierStatus.command.ts";

/**
 * `aviary supplier start | stake | offer | status`: a supplier node and its stake.
 *
 * @example
 * program.addCommand(supplierCommand());
 */
export function supplierCommand(): Command {
  return new Command("supplier")
    .description("Run and manage a supplier node (serves relays beside a model runtime)")
    .addHelpText("after", example("npx aviary supplier status --config supplier.json"))
    .addCommand(supplierStartCommand())
    .addCommand(supplierStakeCommand())
    .addCommand(supplierOfferCommand())
    .addCommand(supplierStatusCommand());
}
