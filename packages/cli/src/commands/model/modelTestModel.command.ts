import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { example, homeOption, homeOptionSchema, jsonOption, jsonOptionSchema } from "../options.ts";

/** What `aviary model test-model`'s flags parse to (checked further by `modelTestModel`). */
export const modelTestModelOptionsSchema = homeOptionSchema.extend({
  out: z.string().optional(),
  preset: z.string(),
  seed: z.string(),
  type: z.string(),
  ...jsonOptionSchema.shape,
});
export type ModelTestModelOptions = z.infer<typeof modelTestModelOptionsSchema>;

/**
 * `aviary model test-model`: writes the generated TEST model.
 *
 * @example
 * model.addCommand(modelTestModelCommand());
 */
export function modelTestModelCommand(): Command {
  return new Command("test-model")
    .description(
      "Write the generated TEST model (seeded random weights, meaningless output) and print its sha256",
    )
    .option("-o, --out <dir>", "folder for the GGUF file (default: <home>/models)")
    .addOption(homeOption())
    .option("--preset <name>", "tiny or small", "tiny")
    .option("--seed <n>", "weights seed", "42")
    .option("--type <type>", "f32, f16 or q8_0", "f32")
    .addOption(jsonOption("print {path, sha256, bytes}"))
    .addHelpText("after", example("npx aviary model test-model --out .aviary/models --preset tiny"))
    .action(
      lazyAction(
        modelTestModelOptionsSchema,
        async () => (await import("./modelTestModel.ts")).modelTestModel,
      ),
    );
}
