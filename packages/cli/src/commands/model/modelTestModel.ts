import { join } from "node:path";
import { resolveAviaryHome } from "@aviary/devnet";
import { ensureTestModel } from "@aviary/test-models";
import { CliInputError } from "../../errors.ts";
import type { ModelTestModelOptions } from "./modelTestModel.command.ts";

/**
 * `aviary model test-model`: writes the generated TEST model (meaningless output) and prints its digest. The
 * folder is `--out`, else `models` in the state folder (`--home`, $AVIARY_HOME or ./.aviary).
 */
export async function modelTestModel(options: ModelTestModelOptions): Promise<void> {
  if (!["tiny", "small"].includes(options.preset))
    throw new CliInputError(`--preset must be tiny or small, got "${options.preset}".`);
  if (!["f32", "f16", "q8_0"].includes(options.type))
    throw new CliInputError(`--type must be f32, f16 or q8_0, got "${options.type}".`);
  const seed = Number(options.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new CliInputError(`--seed must be an integer in [0, 4294967295].`);
  const model = await ensureTestModel({
    directory: options.out ?? join(resolveAviaryHome(options.home), "models"),
    preset: options.preset as "tiny" | "small",
    seed,
    type: options.type as "f32" | "f16" | "q8_0",
  });
  if (options.json) console.log(JSON.stringify(model));
  else
    console.log(
      `test model (seeded random weights; its output is not meaningful)\n  path    ${model.path}\n  sha256  ${model.sha256}\n  bytes   ${model.bytes}`,
    );
}
