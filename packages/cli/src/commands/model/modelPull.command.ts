import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { addChainOptions, chainOptionsSchema, example } from "../options.ts";

/** What `aviary model pull <name-or-id>` and its flags parse to. */
export const modelPullOptionsSchema = chainOptionsSchema.extend({
  /** The `<name-or-id>` argument. */
  nameOrId: z.string(),
  out: z.string().optional(),
});
export type ModelPullOptions = z.infer<typeof modelPullOptionsSchema>;

/**
 * `aviary model pull`: downloads a registered model's weights and verifies them.
 *
 * @example
 * model.addCommand(modelPullCommand());
 */
export function modelPullCommand(): Command {
  return addChainOptions(
    new Command("pull")
      .description(
        "Download a registered model's weights from its uri (file://, http(s)://) and verify them against the registered sha256",
      )
      .argument("<name-or-id>", "the model's name, or its id (0x + 64 hex digits)")
      .option("-o, --out <dir>", "destination folder (default: <home>/models)"),
  )
    .addHelpText("after", example("npx aviary model pull aviary-test-model --out ./models"))
    .action(lazyAction(modelPullOptionsSchema, async () => (await import("./modelPull.ts")).modelPull));
}
