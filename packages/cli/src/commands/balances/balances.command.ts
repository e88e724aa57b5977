import { Command } from "commander";
import type { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { example, homeOption, homeOptionSchema, jsonOption, jsonOptionSchema } from "../options.ts";

/** What `aviary balances`' flags parse to. */
export const balancesOptionsSchema = homeOptionSchema.extend(jsonOptionSchema.shape);
export type BalancesOptions = z.infer<typeof balancesOptionsSchema>;

/**
 * `aviary balances`: AVY and stakes of every devnet account.
 *
 * @example
 * program.addCommand(balancesCommand());
 */
export function balancesCommand(): Command {
  return new Command("balances")
    .description(
      "AVY balance and stakes (supplier, application, gateway) of every devnet account, and the treasury",
    )
    .addOption(homeOption())
    .addOption(jsonOption())
    .addHelpText("after", example("npx aviary balances", "npx aviary balances --json"))
    .action(lazyAction(balancesOptionsSchema, async () => (await import("./balances.ts")).balances));
}
