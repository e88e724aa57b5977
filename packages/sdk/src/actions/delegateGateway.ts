import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address } from "viem";
import type { AccountMissingError, TransactionRevertedError } from "../errors.ts";
import {
  type AviaryWriteClients,
  type AviaryWriteReturnType,
  accountOf,
  waitForSuccess,
} from "./internal/clients.ts";

export type DelegateGatewayParameters = {
  /** The registry contract. */
  registry: Address;
  /** A staked gateway that may then sign relays for the application (the wallet's account). */
  gateway: Address;
};
export type DelegateGatewayReturnType = AviaryWriteReturnType;
export type DelegateGatewayErrorType = AccountMissingError | TransactionRevertedError;

/**
 * Delegates the application (the wallet's account) to a gateway. Takes effect at the next session; at most
 * `maxDelegates` (8) gateways.
 *
 * @param clients - `{ publicClient, walletClient }` (the wallet's account is the application).
 * @param parameters - the registry and the gateway.
 * @example
 * ```ts
 * await delegateGateway({ publicClient, walletClient }, { registry, gateway: "0x…" });
 * ```
 */
export async function delegateGateway(
  clients: AviaryWriteClients,
  { registry, gateway }: DelegateGatewayParameters,
): Promise<DelegateGatewayReturnType> {
  const account = accountOf(clients, "delegateGateway");
  const hash = await clients.walletClient.writeContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "delegate",
    args: [gateway],
    account,
    chain: clients.walletClient.chain,
  });
  return waitForSuccess(clients, hash, "delegate");
}
