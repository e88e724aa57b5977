import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { addChainOptions, chainOptionsSchema, example, keyEnvOptionSchema } from "../options.ts";
import { appKeyOption } from "./appOptions.ts";

/** What `aviary app delegate`'s flags parse to (checked further by `appDelegate`). */
export const appDelegateOptionsSchema = chainOptionsSchema.extend({
  gateway: z.string(),
  undelegate: z.boolean(),
  ...keyEnvOptionSchema.shape,
});
export type AppDelegateOptions = z.infer<typeof appDelegateOptionsSchema>;

/**
 * `aviary app delegate`: lets a staked gateway sign relays for the application (or stops it).
 *
 * @example
 * app.addCommand(appDelegateCommand());
 */
export function appDelegateCommand(): Command {
  return addChainOptions(
    new Command("delegate")
      .description("Let a staked gateway sign relays for the application (effective next session)")
      .requiredOption("-g, --gateway <address>", "the gateway's address")
      .option("--undelegate", "remove the delegation instead", false)
      .addOption(appKeyOption()),
  )
    .addHelpText(
      "after",
      example(
        "AVIARY_APP_KEY=0x… npx aviary app delegate --gateway 0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
      ),
    )
    .action(lazyAction(appDelegateOptionsSchema, async () => (await import("./appDelegate.ts")).appDelegate));
}
