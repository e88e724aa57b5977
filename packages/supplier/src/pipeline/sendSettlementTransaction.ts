import {
  type Hex,
  TransactionNotFoundError,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from "viem";
import { type LifecycleAction, SettlementTransactionError } from "./errors.ts";
import type { LifecycleContext } from "./types.ts";

export type SendSettlementTransactionParameters = {
  action: LifecycleAction;
  /** Identifies the call across ticks, e.g. `claim:<claimKey>`: one transaction per key at a time. */
  key: string;
  session: bigint;
  claimKey?: Hex;
  /** Sends it (`walletClient.writeContract(…)`), returning the hash. */
  write: () => Promise<Hex>;
};

/**
 * Sends one settlement transaction and waits for its receipt. When an earlier attempt under the same `key`
 * timed out waiting, that transaction is looked at first: mined → its receipt is used; still pending →
 * nothing is sent and `undefined` is returned (try again next block); dropped → sent again. So one key
 * never has two transactions pending at once. Sends are serialized (`context.serializeSend`), so concurrent
 * calls get consecutive nonces, while their receipts are awaited concurrently.
 *
 * @throws {SettlementTransactionError} when sending fails (a revert found while estimating gas included),
 * when the receipt is not seen within `receiptTimeoutMs`, or when the transaction reverted.
 * @example
 * ```ts
 * const receipt = await sendSettlementTransaction(context, {
 *   action: "settle", key: `settle:${claimKey}`, session, claimKey,
 *   write: () => context.walletClient.writeContract({ address: context.settlement, abi: aviarySettlementAbi, functionName: "settle", args: [claimKey] }),
 * });
 * ```
 */
export async function sendSettlementTransaction(
  context: LifecycleContext,
  parameters: SendSettlementTransactionParameters,
): Promise<TransactionReceipt | undefined> {
  const { action, key, session, claimKey } = parameters;
  const { publicClient } = context;
  const pending = context.inFlight.get(key);
  if (pending) {
    const receipt = await publicClient.getTransactionReceipt({ hash: pending }).catch((error: unknown) => {
      if (error instanceof TransactionReceiptNotFoundError) return undefined;
      throw error;
    });
    if (receipt) {
      context.inFlight.delete(key);
      if (receipt.status === "success") return receipt;
      context.lastErrors.set(key, `transaction ${pending} reverted`);
    } else {
      const transaction = await publicClient.getTransaction({ hash: pending }).catch((error: unknown) => {
        if (error instanceof TransactionNotFoundError) return undefined;
        throw error;
      });
      if (transaction) {
        context.logger.info(
          { session: session.toString(), action, transactionHash: pending },
          `${action} transaction still pending`,
        );
        return undefined;
      }
      context.inFlight.delete(key);
    }
  }

  let transactionHash: Hex;
  try {
    transactionHash = await context.serializeSend(parameters.write);
  } catch (error) {
    throw new SettlementTransactionError({ action, stage: "send", cause: error });
  }
  context.inFlight.set(key, transactionHash);
  context.emit(
    claimKey === undefined
      ? { type: "transaction", session, action, transactionHash }
      : { type: "transaction", session, action, claimKey, transactionHash },
  );
  let receipt: TransactionReceipt;
  try {
    receipt = await publicClient.waitForTransactionReceipt({
      hash: transactionHash,
      timeout: context.receiptTimeoutMs,
      pollingInterval: context.pollingIntervalMs,
    });
  } catch (error) {
    // Kept in `inFlight`: the next attempt looks at this transaction before sending another.
    throw new SettlementTransactionError({ action, stage: "wait", transactionHash, cause: error });
  }
  context.inFlight.delete(key);
  if (receipt.status !== "success")
    throw new SettlementTransactionError({ action, stage: "reverted", transactionHash });
  return receipt;
}
