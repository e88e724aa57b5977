import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address } from "viem";
import type { AccountMissingError, TransactionRevertedError } from "../errors.ts";
import {
  type AviaryWriteClients,
  type AviaryWriteReturnType,
  accountOf,
  waitForSuccess,
} from "./internal/clients.ts";

export type UndelegateGatewayParameters = {
  /** The registry contract. */
  registry: Address;
  /** The gateway to stop delegating to. */
  gateway: Address;
};
export type UndelegateGatewayReturnType = AviaryWriteReturnType;
export type UndelegateGatewayErrorType = AccountMissingError | TransactionRevertedError;

/**
 * Removes a delegation of the application (the wallet's account). Takes effect at the next session: the gateway
 * may still sign relays for the current one.
 *
 * @param clients - `{ publicClient, walletClient }` (the wallet's account is the application).
 * @param parameters - the registry and the gateway.
 * @example
 * ```ts
 * await undelegateGateway({ publicClient, walletClient }, { registry, gateway: "0x…" });
 * ```
 */
export async function undelegateGateway(
  clients: AviaryWriteClients,
  { registry, gateway }: UndelegateGatewayParameters,
): Promise<UndelegateGatewayReturnType> {
  const account = accountOf(clients, "undelegateGateway");
  const hash = await clients.walletClient.writeContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "undelegate",
    args: [gateway],
    account,
    chain: clients.walletClient.chain,
  });
  return waitForSuccess(clients, hash, "undelegate");
}
