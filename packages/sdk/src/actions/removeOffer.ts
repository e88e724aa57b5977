import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, Hex } from "viem";
import type { AccountMissingError, TransactionRevertedError } from "../errors.ts";
import {
  type AviaryWriteClients,
  type AviaryWriteReturnType,
  accountOf,
  waitForSuccess,
} from "./internal/clients.ts";

export type RemoveOfferParameters = {
  /** The registry contract. */
  registry: Address;
  /** The modelId (`keccak256(bytes(name))`). */
  model: Hex;
};
export type RemoveOfferReturnType = AviaryWriteReturnType;
export type RemoveOfferErrorType = AccountMissingError | TransactionRevertedError;

/**
 * Withdraws the supplier's (the wallet's account) offer for a model. Takes effect at the next session: the
 * current session's offer still holds.
 *
 * @param clients - `{ publicClient, walletClient }` (the wallet's account is the supplier's owner).
 * @param parameters - the registry and the model.
 * @example
 * ```ts
 * await removeOffer(clients, { registry, model: keccak256(toHex("my-model")) });
 * ```
 */
export async function removeOffer(
  clients: AviaryWriteClients,
  { registry, model }: RemoveOfferParameters,
): Promise<RemoveOfferReturnType> {
  const account = accountOf(clients, "removeOffer");
  const hash = await clients.walletClient.writeContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "removeOffer",
    args: [model],
    account,
    chain: clients.walletClient.chain,
  });
  return waitForSuccess(clients, hash, "removeOffer");
}
