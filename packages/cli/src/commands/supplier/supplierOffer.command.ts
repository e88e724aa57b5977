import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { configOption, configOptionSchema, example } from "../options.ts";

/** What `aviary supplier offer`'s flags parse to (checked further by `supplierOffer`). */
export const supplierOfferOptionsSchema = configOptionSchema.extend({
  model: z.string().optional(),
  inputPrice: z.string().optional(),
  outputPrice: z.string().optional(),
  remove: z.string().optional(),
});
export type SupplierOfferOptions = z.infer<typeof supplierOfferOptionsSchema>;

/**
 * `aviary supplier offer`: sets (or removes) the supplier's offers.
 *
 * @example
 * supplier.addCommand(supplierOfferCommand());
 */
export function supplierOfferCommand(): Command {
  return new Command("offer")
    .description(
      "Set the offers of the config's models at its prices (or one with --model, or remove one with --remove); effective next session",
    )
    .addOption(configOption("supplier configuration (JSON)"))
    .option("--model <name>", "set only this model's offer")
    .option("--input-price <wei>", "token wei per input token (with --model; default: the config's)")
    .option("--output-price <wei>", "token wei per output token (with --model; default: the config's)")
    .option("--remove <name>", "withdraw the offer for this model")
    .addHelpText(
      "after",
      example(
        "AVIARY_OWNER_KEY=0x… npx aviary supplier offer --config supplier.json",
        "AVIARY_OWNER_KEY=0x… npx aviary supplier offer --config supplier.json --model my-model-q4 --input-price 1000000000000 --output-price 3000000000000",
        "AVIARY_OWNER_KEY=0x… npx aviary supplier offer --config supplier.json --remove my-model-q4",
      ),
    )
    .action(
      lazyAction(supplierOfferOptionsSchema, async () => (await import("./supplierOffer.ts")).supplierOffer),
    );
}
