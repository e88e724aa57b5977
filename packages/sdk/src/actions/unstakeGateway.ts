import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address } from "viem";
import type { AccountMissingError, TransactionRevertedError } from "../errors.ts";
import {
  type AviaryWriteClients,
  type AviaryWriteReturnType,
  accountOf,
  waitForSuccess,
} from "./internal/clients.ts";

export type UnstakeGatewayParameters = {
  /** The registry contract. */
  registry: Address;
  /** Tokens (wei) to move from the stake into unbonding; what stays must be 0 or reach `minGatewayStake`. */
  amount: bigint;
};
export type UnstakeGatewayReturnType = AviaryWriteReturnType;
export type UnstakeGatewayErrorType = AccountMissingError | TransactionRevertedError;

/**
 * Starts unbonding part or all of the gateway's stake (the wallet's account). The tokens stay slashable until
 * the release session (`now + gatewayUnbondingSessions`), then `withdrawGateway` returns them.
 *
 * @param clients - `{ publicClient, walletClient }` (the wallet's account is the gateway).
 * @param parameters - the registry and the amount.
 * @example
 * ```ts
 * await unstakeGateway(clients, { registry, amount: 100n * 10n ** 18n });
 * ```
 */
export async function unstakeGateway(
  clients: AviaryWriteClients,
  { registry, amount }: UnstakeGatewayParameters,
): Promise<UnstakeGatewayReturnType> {
  const account = accountOf(clients, "unstakeGateway");
  const hash = await clients.walletClient.writeContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "unstakeGateway",
    args: [amount],
    account,
    chain: clients.walletClient.chain,
  });
  return waitForSuccess(clients, hash, "unstakeGateway");
}
