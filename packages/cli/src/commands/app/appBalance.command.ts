import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import {
  addChainOptions,
  chainOptionsSchema,
  example,
  jsonOption,
  jsonOptionSchema,
  keyEnvOptionSchema,
} from "../options.ts";
import { appKeyOption } from "./appOptions.ts";

/** What `aviary app balance`'s flags parse to (checked further by `appBalance`). */
export const appBalanceOptionsSchema = chainOptionsSchema.extend({
  address: z.string().optional(),
  ...jsonOptionSchema.shape,
  ...keyEnvOptionSchema.shape,
});
export type AppBalanceOptions = z.infer<typeof appBalanceOptionsSchema>;

/**
 * `aviary app balance`: the application's tokens, stake, budget and delegations.
 *
 * @example
 * app.addCommand(appBalanceCommand());
 */
export function appBalanceCommand(): Command {
  return addChainOptions(
    new Command("balance")
      .description("Tokens, stake, unbonding, release session, this session's budget and delegations")
      .option("--address <address>", "the application (default: the key's address)")
      .addOption(jsonOption())
      .addOption(appKeyOption()),
  )
    .addHelpText(
      "after",
      example(
        "AVIARY_APP_KEY=0x… npx aviary app balance",
        "npx aviary app balance --address 0x976EA74026E726554dB657fA54763abd0C3a0aa9 --json",
      ),
    )
    .action(lazyAction(appBalanceOptionsSchema, async () => (await import("./appBalance.ts")).appBalance));
}
