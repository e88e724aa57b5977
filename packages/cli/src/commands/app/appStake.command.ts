import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { addChainOptions, chainOptionsSchema, example, keyEnvOptionSchema } from "../options.ts";
import { appKeyOption } from "./appOptions.ts";

/** What `aviary app stake`'s flags parse to (checked further by `appStake`). */
export const appStakeOptionsSchema = chainOptionsSchema.extend({
  amount: z.string(),
  ...keyEnvOptionSchema.shape,
});
export type AppStakeOptions = z.infer<typeof appStakeOptionsSchema>;

/**
 * `aviary app stake`: adds AVY to the application's stake.
 *
 * @example
 * app.addCommand(appStakeCommand());
 */
export function appStakeCommand(): Command {
  return addChainOptions(
    new Command("stake")
      .description("Add AVY to the application's stake (approves the registry when needed)")
      .requiredOption("-a, --amount <AVY>", "AVY to add, e.g. 1000 or 0.5")
      .addOption(appKeyOption()),
  )
    .addHelpText("after", example("AVIARY_APP_KEY=0x… npx aviary app stake --amount 1000"))
    .action(lazyAction(appStakeOptionsSchema, async () => (await import("./appStake.ts")).appStake));
}
