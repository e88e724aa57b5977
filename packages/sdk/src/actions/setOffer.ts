import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, Hex } from "viem";
import type { AccountMissingError, TransactionRevertedError } from "../errors.ts";
import {
  type AviaryWriteClients,
  type AviaryWriteReturnType,
  accountOf,
  waitForSuccess,
} from "./internal/clients.ts";

export type SetOfferParameters = {
  /** The registry contract. */
  registry: Address;
  /** The modelId (`keccak256(bytes(name))`). */
  model: Hex;
  /** Token wei per input unit (prompt token). */
  inputPrice: bigint;
  /** Token wei per output unit (completion token). */
  outputPrice: bigint;
};
export type SetOfferReturnType = AviaryWriteReturnType;
export type SetOfferErrorType = AccountMissingError | TransactionRevertedError;

/**
 * Sets the supplier's (the wallet's account) offer for a model. Takes effect at the next session.
 *
 * @param clients - `{ publicClient, walletClient }` (the wallet's account is the supplier's owner).
 * @param parameters - the registry, model and prices.
 * @example
 * ```ts
 * await setOffer(clients, { registry, model: keccak256(toHex("my-model")), inputPrice: 10n ** 12n, outputPrice: 3n * 10n ** 12n });
 * ```
 */
export async function setOffer(
  clients: AviaryWriteClients,
  { registry, model, inputPrice, outputPrice }: SetOfferParameters,
): Promise<SetOfferReturnType> {
  const account = accountOf(clients, "setOffer");
  const hash = await clients.walletClient.writeContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "setOffer",
    args: [model, inputPrice, outputPrice],
    account,
    chain: clients.walletClient.chain,
  });
  return waitForSuccess(clients, hash, "setOffer");
}
