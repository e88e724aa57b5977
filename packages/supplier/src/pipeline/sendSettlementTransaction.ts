import {
  type AviaryWriteClients,
  type AviaryWriteOptions,
  type AviaryWriteReturnType,
  TransactionRevertedError,
} from "@aviary/sdk";
import {
  type Hex,
  TransactionNotFoundError,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from "viem";
import { type LifecycleAction, SettlementTransactionError } from "./errors.ts";
import type { LifecycleContext } from "./types.ts";

export type SendSettlementTransactionParameters<T extends AviaryWriteReturnType> = {
  action: LifecycleAction;
  /** Identifies the call across ticks, e.g. `claim:<claimKey>`: one transaction per key at a time. */
  key: string;
  session: bigint;
  claimKey?: Hex;
  /**
   * Sends it with the `@aviary/sdk` write action (`claim`, `prove`, `settle`, `recordSeed`), passing `clients`
   * and `options` (the lifecycle's send queue, receipt timeout and polling) through.
   */
  send: (clients: AviaryWriteClients, options: AviaryWriteOptions) => Promise<T>;
};

/**
 * What came of it: `result` is the SDK action's when this call sent the transaction; a transaction of an earlier
 * attempt found mined gives only its `receipt`.
 */
export type SendSettlementTransactionReturnType<T extends AviaryWriteReturnType> =
  | { receipt: TransactionReceipt; result: T | undefined }
  | undefined;

/**
 * Sends one settlement transaction through its `@aviary/sdk` action and waits for its receipt. When an earlier
 * attempt under the same `key` timed out waiting, that transaction is looked at first: mined → its receipt is
 * used; still pending → nothing is sent and `undefined` is returned (try again next block); dropped → sent
 * again. So one key never has two transactions pending at once. Sends are serialized (`context.serializeSend`),
 * so concurrent calls get consecutive nonces, while their receipts are awaited concurrently.
 *
 * @throws {SettlementTransactionError} when sending fails (a revert found while estimating gas included: its
 * cause is the SDK's `ContractRevertedError` naming the custom error), when the receipt is not seen within
 * `receiptTimeoutMs`, or when the transaction reverted.
 * @example
 * ```ts
 * const sent = await sendSettlementTransaction(context, {
 *   action: "settle", key: `settle:${claimKey}`, session, claimKey,
 *   send: (clients, options) => settle(clients, { settlement: context.settlement, claimKey, ...options }),
 * });
 * ```
 */
export async function sendSettlementTransaction<T extends AviaryWriteReturnType>(
  context: LifecycleContext,
  parameters: SendSettlementTransactionParameters<T>,
): Promise<SendSettlementTransactionReturnType<T>> {
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
      if (receipt.status === "success") return { receipt, result: undefined };
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

  let transactionHash: Hex | undefined;
  let result: T;
  try {
    result = await parameters.send(
      { publicClient, walletClient: context.walletClient },
      {
        serializeSend: context.serializeSend,
        timeout: context.receiptTimeoutMs,
        pollingInterval: context.pollingIntervalMs,
        onSent: (hash) => {
          transactionHash = hash;
          context.inFlight.set(key, hash);
          context.emit(
            claimKey === undefined
              ? { type: "transaction", session, action, transactionHash: hash }
              : { type: "transaction", session, action, claimKey, transactionHash: hash },
          );
        },
      },
    );
  } catch (error) {
    if (transactionHash === undefined)
      throw new SettlementTransactionError({ action, stage: "send", cause: error });
    if (error instanceof TransactionRevertedError) {
      context.inFlight.delete(key);
      throw new SettlementTransactionError({ action, stage: "reverted", transactionHash });
    }
    // Kept in `inFlight`: the next attempt looks at this transaction before sending another.
    throw new SettlementTransactionError({ action, stage: "wait", transactionHash, cause: error });
  }
  context.inFlight.delete(key);
  return { receipt: result.receipt, result };
}
