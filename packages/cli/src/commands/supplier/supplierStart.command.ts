import { Command } from "commander";
import type { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { configOption, example, nodeDeploymentOption, nodeStartOptionsSchema } from "../options.ts";

/** What `aviary supplier start`'s flags parse to (`--deployment` reaches the config loader as AVIARY_DEPLOYMENT). */
export const supplierStartOptionsSchema = nodeStartOptionsSchema;
export type SupplierStartOptions = z.infer<typeof supplierStartOptionsSchema>;

/**
 * `aviary supplier start`: runs the supplier node.
 *
 * @example
 * supplier.addCommand(supplierStartCommand());
 */
export function supplierStartCommand(): Command {
  return new Command("start")
    .description("Start the supplier node: serve relays, record them, claim and prove each session")
    .addOption(configOption("supplier configuration (JSON; see docs/supplier.md)"))
    .addOption(nodeDeploymentOption())
    .addHelpText("after", example("AVIARY_OPERATOR_KEY=0x… npx aviary supplier start --config supplier.json"))
    .action(
      lazyAction(supplierStartOptionsSchema, async () => (await import("./supplierStart.ts")).supplierStart),
    );
}
