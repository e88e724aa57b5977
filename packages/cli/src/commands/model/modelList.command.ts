import { Command } from "commander";
import type { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { addChainOptions, chainOptionsSchema, example, jsonOption, jsonOptionSchema } from "../options.ts";

/** What `aviary model list`'s flags parse to. */
export const modelListOptionsSchema = chainOptionsSchema.extend(jsonOptionSchema.shape);
export type ModelListOptions = z.infer<typeof modelListOptionsSchema>;

/**
 * `aviary model list`: the registered models and how many suppliers offer each.
 *
 * @example
 * model.addCommand(modelListCommand());
 */
export function modelListCommand(): Command {
  return addChainOptions(
    new Command("list")
      .description(
        "Registered models: name, id, digest, uri, kind, source and share, and how many suppliers offer each",
      )
      .addOption(jsonOption()),
  )
    .addHelpText("after", example("npx aviary model list", "npx aviary model list --json --home .aviary"))
    .action(lazyAction(modelListOptionsSchema, async () => (await import("./modelList.ts")).modelList));
}
