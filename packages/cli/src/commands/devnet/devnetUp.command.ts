import { Command, Option } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { example, homeOption, homeOptionSchema } from "../options.ts";
import {
  backendCapabilities,
  backendCapabilitiesSchema,
  existingFile,
  httpUrl,
  port,
  positiveNumber,
} from "../parsers.ts";

/** What `aviary devnet up`'s flags parse to. */
export const devnetUpOptionsSchema = homeOptionSchema.extend({
  blockTime: z.number(),
  fresh: z.boolean(),
  persist: z.boolean(),
  /** A GGUF file to serve instead of the generated test model. */
  model: z.string().optional(),
  /** An OpenAI-compatible base URL to serve instead of the embedded runtime. */
  backend: z.string().optional(),
  /** The model name that server knows. */
  backendModel: z.string().optional(),
  /** What the --backend server supports beyond text (supplier config `capabilities`); default none. */
  backendCapabilities: backendCapabilitiesSchema.optional(),
  explorer: z.boolean(),
  gatewayPort: z.number(),
  explorerPort: z.number(),
  /** The first of three consecutive supplier ports. @default 8081 */
  supplierPort: z.number().optional(),
});
export type DevnetUpOptions = z.infer<typeof devnetUpOptionsSchema>;

/**
 * `aviary devnet up` (`npm start`): the whole local network, until Ctrl-C.
 *
 * @example
 * devnet.addCommand(devnetUpCommand());
 */
export function devnetUpCommand(): Command {
  return new Command("up")
    .description(
      "Start the whole local network: anvil with the contracts (or the saved chain), the test model and the test " +
        "image model, three staked suppliers, a staked application delegated to a gateway, the gateway and the " +
        "explorer; runs until Ctrl-C",
    )
    .addOption(homeOption())
    .option("--block-time <seconds>", "seconds per block", positiveNumber, 1)
    .option("--fresh", "discard the saved chain and deploy anew", false)
    .option("--no-persist", "do not save chain state between runs")
    .addOption(
      new Option("--model <path>", "a GGUF file to serve instead of the generated test model")
        .argParser(existingFile)
        .conflicts("backend"),
    )
    .addOption(
      new Option(
        "--backend <url>",
        "an OpenAI-compatible server to serve instead of the embedded runtime (e.g. http://127.0.0.1:8080/v1)",
      ).argParser(httpUrl),
    )
    .option("--backend-model <name>", "the model name the --backend server knows", "default")
    .addOption(
      new Option(
        "--backend-capabilities <list>",
        "what the --backend server supports beyond text, declared to gateways (comma-separated: tools, json, logprobs, images); default none, so requests using them are refused",
      ).argParser(backendCapabilities),
    )
    .option("--no-explorer", "do not start the explorer")
    .option("--gateway-port <n>", "the gateway's port", port, 8080)
    .option("--explorer-port <n>", "the explorer's port", port, 8090)
    .option("--supplier-port <n>", "the first of the three suppliers' consecutive ports (default 8081)", port)
    .addHelpText(
      "after",
      example(
        "npx aviary devnet up",
        "npx aviary devnet up --model ~/models/qwen2.5-0.5b-instruct-q4_k_m.gguf",
        "npx aviary devnet up --backend http://127.0.0.1:8080/v1 --backend-model qwen2.5 --backend-capabilities tools,json",
      ),
    )
    .action(lazyAction(devnetUpOptionsSchema, async () => (await import("./devnetUp.ts")).devnetUp));
}
