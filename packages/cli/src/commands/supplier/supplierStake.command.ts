import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { configOption, configOptionSchema, example } from "../options.ts";

/** What `aviary supplier stake`'s flags parse to (checked further by `supplierStake`). */
export const supplierStakeOptionsSchema = configOptionSchema.extend({
  amount: z.string(),
  endpoint: z.string().optional(),
});
export type SupplierStakeOptions = z.infer<typeof supplierStakeOptionsSchema>;

/**
 * `aviary supplier stake`: stakes and offers the config's models.
 *
 * @example
 * supplier.addCommand(supplierStakeCommand());
 */
export function supplierStakeCommand(): Command {
  return new Command("stake")
    .description(
      "Stake (registering the operator and endpoint) and offer every model of the config at its prices",
    )
    .addOption(configOption("supplier configuration (JSON)"))
    .requiredOption("-a, --amount <AVY>", "AVY to stake, e.g. 2000 or 0.5")
    .option("--endpoint <url>", "public endpoint to register (default: the config's server.publicUrl)")
    .addHelpText(
      "after",
      example("AVIARY_OWNER_KEY=0x… npx aviary supplier stake --config supplier.json --amount 2000"),
    )
    .action(
      lazyAction(supplierStakeOptionsSchema, async () => (await import("./supplierStake.ts")).supplierStake),
    );
}
