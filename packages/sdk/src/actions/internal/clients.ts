/**
 * Client shapes the chain actions take, and the one place that sends a transaction and waits for it.
 * Internal: the types are re-exported from the package index.
 * @module
 */
import type { Account, Chain, Hash, PublicClient, TransactionReceipt, Transport, WalletClient } from "viem";
import { AccountMissingError, TransactionRevertedError } from "../../errors.ts";

/** The clients a write action needs: a wallet client with an account (signs and sends), a public client (waits). */
export type AviaryWriteClients = {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain | undefined, Account | undefined>;
};

/** What every write action returns: the transaction hash and its (successful) receipt. */
export type AviaryWriteReturnType = { hash: Hash; receipt: TransactionReceipt };

/** The wallet client's account, or {@link AccountMissingError}. */
export function accountOf(clients: AviaryWriteClients, action: string): Account {
  const account = clients.walletClient.account;
  if (!account) throw new AccountMissingError({ action });
  return account;
}

/** Waits for `hash` and throws {@link TransactionRevertedError} when it reverted. */
export async function waitForSuccess(
  clients: AviaryWriteClients,
  hash: Hash,
  functionName: string,
): Promise<AviaryWriteReturnType> {
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new TransactionRevertedError({ functionName, hash });
  return { hash, receipt };
}
