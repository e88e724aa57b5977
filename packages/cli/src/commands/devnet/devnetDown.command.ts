import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { example, homeOption, homeOptionSchema } from "../options.ts";

/** What `aviary devnet down`'s flags parse to. */
export const devnetDownOptionsSchema = homeOptionSchema.extend({ reset: z.boolean() });
export type DevnetDownOptions = z.infer<typeof devnetDownOptionsSchema>;

/**
 * `aviary devnet down`: stops a running `devnet up`.
 *
 * @example
 * devnet.addCommand(devnetDownCommand());
 */
export function devnetDownCommand(): Command {
  return new Command("down")
    .description("Stop a running `devnet up` (state is kept unless --reset)")
    .addOption(homeOption())
    .option("--reset", "also delete the saved chain and devnet.json", false)
    .addHelpText("after", example("npx aviary devnet down --reset"))
    .action(lazyAction(devnetDownOptionsSchema, async () => (await import("./devnetDown.ts")).devnetDown));
}
