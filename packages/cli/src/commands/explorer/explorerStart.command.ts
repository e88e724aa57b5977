import { Command } from "commander";
import type { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { configOption, configOptionSchema, example } from "../options.ts";

/** What `aviary explorer start`'s flags parse to. */
export const explorerStartOptionsSchema = configOptionSchema;
export type ExplorerStartOptions = z.infer<typeof explorerStartOptionsSchema>;

/**
 * `aviary explorer start`: indexes the chain and serves the explorer.
 *
 * @example
 * explorer.addCommand(explorerStartCommand());
 */
export function explorerStartCommand(): Command {
  return new Command("start")
    .description("Index the chain and serve the explorer until SIGINT/SIGTERM")
    .addOption(
      configOption("explorer configuration (JSON: rpcUrl, chainId, contracts, deployBlock, gateways, port)"),
    )
    .addHelpText("after", example("npx aviary explorer start --config .aviary/explorer.json"))
    .action(
      lazyAction(explorerStartOptionsSchema, async () => (await import("./explorerStart.ts")).explorerStart),
    );
}
