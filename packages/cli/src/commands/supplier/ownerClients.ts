import type { AviaryWriteClients } from "@aviary/sdk";
import type { SupplierConfig } from "@aviary/supplier";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CliInputError } from "../../errors.ts";
import { configWriteClients } from "../../io/configWriteClients.ts";

/**
 * The clients `supplier stake` / `supplier offer` send with: the owner key (AVIARY_OWNER_KEY or the config's
 * ownerKey), checked against the config's supplier address, on the config's chain (checked to answer).
 *
 * @param config - the loaded supplier configuration.
 * @param purpose - what needs the key, for the error message.
 * @example
 * const { clients, owner } = await ownerClients(loadSupplierConfig("supplier.json"), "Staking");
 */
export async function ownerClients(
  config: SupplierConfig,
  purpose: string,
): Promise<{ clients: AviaryWriteClients; owner: Address; registry: Address }> {
  if (!config.ownerKey) {
    throw new CliInputError(`${purpose} needs the supplier's owner key.`, [
      "Set AVIARY_OWNER_KEY (or ownerKey in the config file).",
    ]);
  }
  const owner = privateKeyToAccount(config.ownerKey as Hex);
  if (owner.address.toLowerCase() !== config.supplier.toLowerCase()) {
    throw new CliInputError(
      `The owner key is for ${owner.address}, but the config's supplier is ${config.supplier}.`,
    );
  }
  const clients = await configWriteClients(config.chain, config.ownerKey as Hex, {
    source: "the configuration",
  });
  return {
    clients,
    owner: owner.address,
    registry: config.chain.registry as Address,
  };
}
