import { Command } from "commander";
import type { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { example, homeOption, homeOptionSchema, jsonOption, jsonOptionSchema } from "../options.ts";

/** What `aviary devnet status`'s flags parse to. */
export const devnetStatusOptionsSchema = homeOptionSchema.extend(jsonOptionSchema.shape);
export type DevnetStatusOptions = z.infer<typeof devnetStatusOptionsSchema>;

/**
 * `aviary devnet status`: the devnet of the state folder, and whether it answers.
 *
 * @example
 * devnet.addCommand(devnetStatusCommand());
 */
export function devnetStatusCommand(): Command {
  return new Command("status")
    .description("Show the devnet recorded in the state folder and whether it answers")
    .addOption(homeOption())
    .addOption(jsonOption("print devnet.json plus {running, blockNumber}"))
    .addHelpText("after", example("npx aviary devnet status --json"))
    .action(
      lazyAction(devnetStatusOptionsSchema, async () => (await import("./devnetStatus.ts")).devnetStatus),
    );
}
