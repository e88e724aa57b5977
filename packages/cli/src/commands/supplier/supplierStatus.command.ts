import { Command } from "commander";
import type { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { configOption, configOptionSchema, example, jsonOption, jsonOptionSchema } from "../options.ts";

/** What `aviary supplier status`'s flags parse to. */
export const supplierStatusOptionsSchema = configOptionSchema.extend(jsonOptionSchema.shape);
export type SupplierStatusOptions = z.infer<typeof supplierStatusOptionsSchema>;

/**
 * `aviary supplier status`: stake and offers on-chain, and whether the node answers.
 *
 * @example
 * supplier.addCommand(supplierStatusCommand());
 */
export function supplierStatusCommand(): Command {
  return new Command("status")
    .description("Stake and offers on-chain, and whether the node answers")
    .addOption(configOption("supplier configuration (JSON)"))
    .addOption(jsonOption())
    .addHelpText("after", example("npx aviary supplier status --config supplier.json"))
    .action(
      lazyAction(
        supplierStatusOptionsSchema,
        async () => (await import("./supplierStatus.ts")).supplierStatus,
      ),
    );
}
