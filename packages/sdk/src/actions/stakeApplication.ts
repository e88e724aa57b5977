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

export type StakeApplicationParameters = {
  /** The registry contract. */
  registry: Address;
  /** Tokens (wei) to add to the application's stake: its spend escrow (protocol.md §2). */
  amount: bigint;
  /** The stake token. @default read from `registry.token()` */
  token?: Address;
};
export type StakeApplicationReturnType = AviaryWriteReturnType;
export type StakeApplicationErrorType = AccountMissingError | TransactionRevertedError;

/**
 * Stakes tokens as an application (the wallet's account): approves the registry for `amount` when needed, then
 * calls `stakeApplication`. The first stake must reach `minApplicationStake`. A session's budget is the stake
 * at its first block, so stake before the session you relay in.
 *
 * @param clients - `{ publicClient, walletClient }` (the wallet's account is the application).
 * @param parameters - the registry and the amount.
 * @example
 * ```ts
 * await stakeApplication({ publicClient, walletClient }, { registry, amount: 1000n * 10n ** 18n });
 * ```
 */
export async function stakeApplication(
  clients: AviaryWriteClients,
  { registry, amount, token }: StakeApplicationParameters,
): Promise<StakeApplicationReturnType> {
  const account = accountOf(clients, "stakeApplication");
  await ensureAllowance(clients, { registry, amount, token, action: "stakeApplication" });
  const hash = await clients.walletClient.writeContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "stakeApplication",
    args: [amount],
    account,
    chain: clients.walletClient.chain,
  });
  return waitForSuccess(clients, hash, "stakeApplication");
}
