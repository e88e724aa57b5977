import { getCurrentSession, getSupplierOffer, getSupplierStake, removeOffer, setOffer } from "@aviary/sdk";
import { loadSupplierConfig } from "@aviary/supplier";
import { CliInputError } from "../../errors.ts";
import { parseWei } from "../../io/parseWei.ts";
import { resolveModel } from "../../io/resolveModel.ts";
import { withProgress } from "../../io/withProgress.ts";
import { ownerClients } from "./ownerClients.ts";
import type { SupplierOfferOptions } from "./supplierOffer.command.ts";

/**
 * `aviary supplier offer`: sets the offers of every model in the configuration at its prices, or of one model
 * (`--model`, prices from the flags or the config), or removes one (`--remove`). Needs the owner key; offers
 * take effect at the next session.
 */
export async function supplierOffer(options: SupplierOfferOptions): Promise<void> {
  const pricesGiven = options.inputPrice !== undefined || options.outputPrice !== undefined;
  if (options.remove !== undefined && (options.model !== undefined || pricesGiven)) {
    throw new CliInputError("--remove goes alone: not with --model, --input-price or --output-price.");
  }
  if (pricesGiven && options.model === undefined) {
    throw new CliInputError("--input-price and --output-price need --model <name>.");
  }
  const inputPrice =
    options.inputPrice === undefined ? undefined : parseWei(options.inputPrice, "--input-price");
  const outputPrice =
    options.outputPrice === undefined ? undefined : parseWei(options.outputPrice, "--output-price");

  const config = loadSupplierConfig(options.config);
  const { clients, owner, registry } = await ownerClients(config, "Setting offers");
  const read = clients.publicClient;
  const [{ stake }, { session }] = await Promise.all([
    getSupplierStake(read, { registry, supplier: owner }),
    getCurrentSession(read, { registry }),
  ]);
  const next = session + 1n;

  if (options.remove !== undefined) {
    const model = await resolveModel(read, registry, options.remove, "--remove");
    const { active } = await getSupplierOffer(read, {
      registry,
      supplier: owner,
      model: model.modelId,
      session: next,
    });
    if (!active) throw new CliInputError(`--remove: ${owner} has no offer for ${model.name} to remove.`);
    await withProgress(`removing the offer for ${model.name}`, () =>
      removeOffer(clients, { registry, model: model.modelId }),
    );
    console.log(`removed the offer for ${model.name}; it holds until session ${next} begins`);
    return;
  }

  if (stake === 0n) {
    throw new CliInputError(`${owner} is not a staked supplier.`, [
      "Stake first: `aviary supplier stake --config <file> --amount 2000`.",
    ]);
  }
  let offers: { name: string; inputPrice: bigint; outputPrice: bigint }[];
  if (options.model !== undefined) {
    const configured = config.models.find((model) => model.name === options.model);
    const input = inputPrice ?? configured?.inputPrice;
    const output = outputPrice ?? configured?.outputPrice;
    if (input === undefined || output === undefined) {
      throw new CliInputError(
        `--model ${options.model} is not in ${options.config}: give its prices with --input-price and --output-price.`,
      );
    }
    offers = [{ name: options.model, inputPrice: input, outputPrice: output }];
  } else {
    offers = config.models.map(({ name, inputPrice, outputPrice }) => ({ name, inputPrice, outputPrice }));
  }
  const models = await Promise.all(
    offers.map((offer) =>
      resolveModel(read, registry, offer.name, options.model ? "--model" : "models[].name"),
    ),
  );
  for (const [index, offer] of offers.entries()) {
    const model = models[index];
    if (!model) continue;
    await withProgress(
      `offering ${model.name} at ${offer.inputPrice}/${offer.outputPrice} wei per input/output token`,
      () =>
        setOffer(clients, {
          registry,
          model: model.modelId,
          inputPrice: offer.inputPrice,
          outputPrice: offer.outputPrice,
        }),
    );
  }
  console.log(`${offers.length} offer${offers.length === 1 ? "" : "s"} set; effective from session ${next}`);
}
