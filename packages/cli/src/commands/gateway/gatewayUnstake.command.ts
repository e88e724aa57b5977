import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { configOptionSchema, example } from "../options.ts";
import { gatewayKeyConfigOption } from "./gatewayOptions.ts";

/** What `aviary gateway unstake`'s flags parse to (checked further by `gatewayUnstake`). */
export const gatewayUnstakeOptionsSchema = configOptionSchema.extend({
  amount: z.string().optional(),
  all: z.boolean(),
  withdraw: z.boolean(),
});
export type GatewayUnstakeOptions = z.infer<typeof gatewayUnstakeOptionsSchema>;

/**
 * `aviary gateway unstake`: unbonds the gateway's stake, or withdraws what finished unbonding.
 *
 * @example
 * gateway.addCommand(gatewayUnstakeCommand());
 */
export function gatewayUnstakeCommand(): Command {
  return new Command("unstake")
    .description(
      "Start unbonding the gateway's stake (--amount or --all), or take back what finished unbonding (--withdraw)",
    )
    .addOption(gatewayKeyConfigOption())
    .option("-a, --amount <AVY>", "AVY to unbond; what stays must be 0 or at least the minimum stake")
    .option("--all", "unbond the whole stake", false)
    .option("--withdraw", "withdraw the unbonded tokens once the release session has begun", false)
    .addHelpText(
      "after",
      example(
        "AVIARY_GATEWAY_KEY=0x… npx aviary gateway unstake --config gateway.json --all",
        "AVIARY_GATEWAY_KEY=0x… npx aviary gateway unstake --config gateway.json --withdraw",
      ),
    )
    .action(
      lazyAction(
        gatewayUnstakeOptionsSchema,
        async () => (await import("./gatewayUnstake.ts")).gatewayUnstake,
      ),
    );
}
