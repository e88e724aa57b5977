/**
 * Client shapes the chain actions take, and the one place that sends a transaction and waits for it.
 * Internal: the types are re-exported from the package index.
 * @module
 */
import { aviarySettlementAbi } from "@aviary/protocol";
import {
  type Account,
  type Address,
  type Chain,
  type ContractEventName,
  type Hash,
  isAddressEqual,
  type PublicClient,
  parseEventLogs,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { AccountMissingError, TransactionRevertedError } from "../../errors.ts";
import { toContractRevertedError } from "./decodeRevert.ts";

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

/**
 * How a write action sends and waits, for callers that run many at once (the supplier's lifecycle): all optional.
 */
export type AviaryWriteOptions = {
  /**
   * Runs the sending step (nonce, signature, broadcast) through this, e.g. a queue so that concurrent calls get
   * consecutive nonces while their receipts are awaited together. @default sends at once
   */
  serializeSend?: <T>(send: () => Promise<T>) => Promise<T>;
  /** Called with the transaction hash once it is sent, before its receipt is awaited. */
  onSent?: (hash: Hash) => void;
  /** How long to wait for the receipt, in ms. @default viem's `waitForTransactionReceipt` default */
  timeout?: number;
  /** Receipt polling interval, in ms. @default the public client's */
  pollingInterval?: number;
};

/** Waits for `hash` and throws {@link TransactionRevertedError} when it reverted. */
export async function waitForSuccess(
  clients: AviaryWriteClients,
  hash: Hash,
  functionName: string,
  options: Pick<AviaryWriteOptions, "timeout" | "pollingInterval"> = {},
): Promise<AviaryWriteReturnType> {
  const receipt = await clients.publicClient.waitForTransactionReceipt({
    hash,
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    ...(options.pollingInterval === undefined ? {} : { pollingInterval: options.pollingInterval }),
  });
  if (receipt.status !== "success") throw new TransactionRevertedError({ functionName, hash });
  return { hash, receipt };
}

/**
 * Sends a contract call with `write` (through `options.serializeSend`), turning a revert found while estimating
 * gas into a `ContractRevertedError` that names the custom error, then waits for a successful receipt.
 */
export async function sendAndWait(
  clients: AviaryWriteClients,
  functionName: string,
  write: () => Promise<Hash>,
  options: AviaryWriteOptions = {},
): Promise<AviaryWriteReturnType> {
  const send = async () => {
    try {
      return await write();
    } catch (error) {
      throw toContractRevertedError(error, functionName);
    }
  };
  const hash = await (options.serializeSend ? options.serializeSend(send) : send());
  options.onSent?.(hash);
  return waitForSuccess(clients, hash, functionName, options);
}

/**
 * The settlement contract's events of `eventName` in a receipt (logs of other contracts are left out, so a
 * look-alike event from another address is never read as ours).
 */
export function settlementLogs<const eventName extends ContractEventName<typeof aviarySettlementAbi>>(
  receipt: TransactionReceipt,
  settlement: Address,
  eventName: eventName | eventName[],
) {
  return parseEventLogs({
    abi: aviarySettlementAbi,
    logs: receipt.logs.filter((log) => isAddressEqual(log.address, settlement)),
    eventName,
  });
}
