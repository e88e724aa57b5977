import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address } from "viem";
import type { AccountMissingError, TransactionRevertedError } from "../errors.ts";
import {
  type AviaryWriteClients,
  type AviaryWriteReturnType,
  accountOf,
  waitForSuccess,
} from "./internal/clients.ts";
import { ensureAllowance } from "./internal/ensureAllowance.ts";

export type StakeGatewayParameters = {
  /** The registry contract. */
  registry: Address;
  /** Tokens (wei) to add to the gateway's stake; the first stake must reach `minGatewayStake`. */
  amount: bigint;
  /** Where the gateway publishes its measurements, e.g. `https://gw.example/public/v1/suppliers`. */
  metadataUrl: string;
  /** The stake token. @default read from `registry.token()` */
  token?: Address;
};
export type StakeGatewayReturnType = AviaryWriteReturnType;
export type StakeGatewayErrorType = AccountMissingError | TransactionRevertedError;

/**
 * Stakes tokens as a gateway (the wallet's account): approves the registry for `amount` when needed, then
 * calls `stakeGateway`. Applications can delegate only to a staked gateway.
 *
 * @param clients - `{ publicClient, walletClient }` (the wallet's account is the gateway).
 * @param parameters - the registry, the amount and the metadata URL.
 * @example
 * ```ts
 * await stakeGateway(clients, { registry, amount: 100n * 10n ** 18n, metadataUrl: "http://127.0.0.1:8080/public/v1/suppliers" });
 * ```
 */
export async function stakeGateway(
  clients: AviaryWriteClients,
  { registry, amount, metadataUrl, token }: StakeGatewayParameters,
): Promise<StakeGatewayReturnType> {
  const account = accountOf(clients, "stakeGateway");
  await ensureAllowance(clients, { registry, amount, token, action: "stakeGateway" });
  const hash = await clients.walletClient.writeContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "stakeGateway",
    args: [amount, metadataUrl],
    account,
    chain: clients.walletClient.chain,
  });
  return waitForSuccess(clients, hash, "stakeGateway");
}
