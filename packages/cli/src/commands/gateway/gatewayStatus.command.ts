import { Command } from "commander";
import type { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { configOptionSchema, example, jsonOption, jsonOptionSchema } from "../options.ts";
import { gatewayKeyConfigOption } from "./gatewayOptions.ts";

/** What `aviary gateway status`'s flags parse to. */
export const gatewayStatusOptionsSchema = configOptionSchema.extend(jsonOptionSchema.shape);
export type GatewayStatusOptions = z.infer<typeof gatewayStatusOptionsSchema>;

/**
 * `aviary gateway status`: the gateway's stake and delegations on-chain, and whether the node answers.
 *
 * @example
 * gateway.addCommand(gatewayStatusCommand());
 */
export function gatewayStatusCommand(): Command {
  return new Command("status")
    .description(
      "Stake, unbonding, release session and metadata URL on-chain, the config's applications' delegations, and whether the node answers",
    )
    .addOption(gatewayKeyConfigOption())
    .addOption(jsonOption())
    .addHelpText("after", example("AVIARY_GATEWAY_KEY=0x… npx aviary gateway status --config gateway.json"))
    .action(
      lazyAction(gatewayStatusOptionsSchema, async () => (await import("./gatewayStatus.ts")).gatewayStatus),
    );
}
