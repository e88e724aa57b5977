import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import {
  addChainOptions,
  chainOptionsSchema,
  example,
  keyEnvOption,
  keyEnvOptionSchema,
} from "../options.ts";

/** What `aviary model publish`'s flags parse to (checked further by `modelPublish`). */
export const modelPublishOptionsSchema = chainOptionsSchema.extend({
  file: z.string(),
  name: z.string(),
  uri: z.string().optional(),
  kind: z.string(),
  shareBps: z.string(),
  source: z.string().optional(),
  ...keyEnvOptionSchema.shape,
});
export type ModelPublishOptions = z.infer<typeof modelPublishOptionsSchema>;

/**
 * `aviary model publish`: registers a model by its weights' sha256.
 *
 * @example
 * model.addCommand(modelPublishCommand());
 */
export function modelPublishCommand(): Command {
  return addChainOptions(
    new Command("publish")
      .description(
        "Register a model: computes the weights file's sha256 and registers it (the key in AVIARY_KEY pays the fee)",
      )
      .requiredOption("-f, --file <path>", "the weights file (e.g. a GGUF)")
      .requiredOption("-n, --name <name>", "the model's name; modelId = keccak256(name)")
      .option("--uri <uri>", "where to get the weights (default file://<path>)")
      .option("--kind <kind>", "chat, completion, embedding or image", "chat")
      .option("--share-bps <bps>", "the source's share of every payment, in basis points", "1000")
      .option("--source <address>", "payee (default: the key's address)")
      .addOption(keyEnvOption("the source's", "AVIARY_KEY")),
  )
    .addHelpText(
      "after",
      example(
        "AVIARY_KEY=0x… npx aviary model publish --file model.gguf --name my-model-q4 --share-bps 1000 --uri https://example.com/my-model-q4.gguf",
      ),
    )
    .action(
      lazyAction(modelPublishOptionsSchema, async () => (await import("./modelPublish.ts")).modelPublish),
    );
}
