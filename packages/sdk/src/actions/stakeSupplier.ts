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

export type StakeSupplierParameters = {
  /** The registry contract. */
  registry: Address;
  /** Tokens (wei) to stake; the first stake must reach `minSupplierStake`. */
  amount: bigint;
  /** The key that signs receipts and sends claims (first stake only; ignored later). */
  operator: Address;
  /** The public URL relays are sent to, e.g. `https://supplier.example.com` (first stake only). */
  endpoint: string;
  /** The stake token. @default read from `registry.token()` */
  token?: Address;
};
export type StakeSupplierReturnType = AviaryWriteReturnType;
export type StakeSupplierErrorType = AccountMissingError | TransactionRevertedError;

/**
 * Stakes tokens as a supplier (the wallet's account is the owner): approves the registry when needed, then
 * calls `stakeSupplier`. The first call registers the operator and endpoint; later calls add stake.
 *
 * @param clients - `{ publicClient, walletClient }` (the wallet's account is the supplier's owner).
 * @param parameters - the registry, amount, operator and endpoint.
 * @example
 * ```ts
 * await stakeSupplier(clients, { registry, amount: 2000n * 10n ** 18n, operator, endpoint: "http://127.0.0.1:8081" });
 * ```
 */
export async function stakeSupplier(
  clients: AviaryWriteClients,
  { registry, amount, operator, endpoint, token }: StakeSupplierParameters,
): Promise<StakeSupplierReturnType> {
  const account = accountOf(clients, "stakeSupplier");
  await ensureAllowance(clients, { registry, amount, token, action: "stakeSupplier" });
  const hash = await clients.walletClient.writeContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "stakeSupplier",
    args: [amount, operator, endpoint],
    account,
    chain: clients.walletClient.chain,
  });
  return waitForSuccess(clients, hash, "stakeSupplier");
}
