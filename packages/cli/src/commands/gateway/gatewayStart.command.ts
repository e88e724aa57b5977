import { Command } from "commander";
import type { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { configOption, example, nodeDeploymentOption, nodeStartOptionsSchema } from "../options.ts";

/** What `aviary gateway start`'s flags parse to (`--deployment` reaches the config loader as AVIARY_DEPLOYMENT). */
export const gatewayStartOptionsSchema = nodeStartOptionsSchema;
export type GatewayStartOptions = z.infer<typeof gatewayStartOptionsSchema>;

/**
 * `aviary gateway start`: serves the OpenAI-compatible API.
 *
 * @example
 * gateway.addCommand(gatewayStartCommand());
 */
export function gatewayStartCommand(): Command {
  return new Command("start")
    .description("Serve /v1/chat/completions, /v1/completions, /v1/embeddings and /v1/models")
    .addOption(configOption("gateway configuration (JSON; see docs/gateway.md)"))
    .addOption(nodeDeploymentOption())
    .addHelpText("after", example("AVIARY_GATEWAY_KEY=0x… npx aviary gateway start --config gateway.json"))
    .action(
      lazyAction(gatewayStartOptionsSchema, async () => (await import("./gatewayStart.ts")).gatewayStart),
    );
}
