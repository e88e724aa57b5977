import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { configOptionSchema, example } from "../options.ts";
import { gatewayKeyConfigOption } from "./gatewayOptions.ts";

/** What `aviary gateway stake`'s flags parse to (checked further by `gatewayStake`). */
export const gatewayStakeOptionsSchema = configOptionSchema.extend({
  amount: z.string(),
  metadataUrl: z.string().optional(),
});
export type GatewayStakeOptions = z.infer<typeof gatewayStakeOptionsSchema>;

/**
 * `aviary gateway stake`: stakes AVY as the config's gateway.
 *
 * @example
 * gateway.addCommand(gatewayStakeCommand());
 */
export function gatewayStakeCommand(): Command {
  return new Command("stake")
    .description(
      "Stake AVY as the config's gateway (approving the registry when needed) so applications can delegate to it",
    )
    .addOption(gatewayKeyConfigOption())
    .requiredOption("-a, --amount <AVY>", "AVY to add to the stake, e.g. 100 or 0.5")
    .option(
      "--metadata-url <url>",
      "where the gateway publishes its measurements (default on the first stake: the config's server + /public/v1/suppliers)",
    )
    .addHelpText(
      "after",
      example(
        "AVIARY_GATEWAY_KEY=0x… npx aviary gateway stake --config gateway.json --amount 100",
        "AVIARY_GATEWAY_KEY=0x… npx aviary gateway stake --config gateway.json --amount 100 --metadata-url https://gw.example/public/v1/suppliers",
      ),
    )
    .action(
      lazyAction(gatewayStakeOptionsSchema, async () => (await import("./gatewayStake.ts")).gatewayStake),
    );
}
