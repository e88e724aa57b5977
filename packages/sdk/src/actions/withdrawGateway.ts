import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address } from "viem";
import type { AccountMissingError, TransactionRevertedError } from "../errors.ts";
import {
  type AviaryWriteClients,
  type AviaryWriteReturnType,
  accountOf,
  waitForSuccess,
} from "./internal/clients.ts";

export type WithdrawGatewayParameters = {
  /** The registry contract. */
  registry: Address;
};
export type WithdrawGatewayReturnType = AviaryWriteReturnType;
export type WithdrawGatewayErrorType = AccountMissingError | TransactionRevertedError;

/**
 * Withdraws the gateway's whole unbonding balance (the wallet's account) once its release session has begun;
 * reverts with `NothingToWithdraw` before then or when nothing unbonds.
 *
 * @param clients - `{ publicClient, walletClient }` (the wallet's account is the gateway).
 * @param parameters - the registry.
 * @example
 * ```ts
 * await withdrawGateway(clients, { registry });
 * ```
 */
export async function withdrawGateway(
  clients: AviaryWriteClients,
  { registry }: WithdrawGatewayParameters,
): Promise<WithdrawGatewayReturnType> {
  const account = accountOf(clients, "withdrawGateway");
  const hash = await clients.walletClient.writeContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "withdrawGateway",
    args: [],
    account,
    chain: clients.walletClient.chain,
  });
  return waitForSuccess(clients, hash, "withdrawGateway");
}
