import type { SignedRelay, VerifiedReceipt } from "@aviary/sdk";
import type { Logger } from "pino";
import type { GatewayStore } from "../store/GatewayStore.ts";

export type StoreRelayReceiptParameters = {
  store: Pick<GatewayStore, "putReceipt">;
  logger: Pick<Logger, "error">;
  /** The signed attempt that was served (its relay key and signature computed at signing). */
  signed: SignedRelay;
  receipt: VerifiedReceipt;
};

/**
 * Keeps a served relay's receipt with the gateway's own request signature (evidence that the relay was ours,
 * for reconciliation against what suppliers claim). Not awaited: the store commits it with its batch; a failed
 * write is logged, never thrown into the relay.
 *
 * @param parameters - the store, a logger, the signed attempt and its verified receipt.
 * @example
 * ```ts
 * storeRelayReceipt({ store, logger, signed: result.signed, receipt: result.receipt });
 * ```
 */
export function storeRelayReceipt({ store, logger, signed, receipt }: StoreRelayReceiptParameters): void {
  const { request } = signed;
  store
    .putReceipt({
      relayKey: signed.relayKey,
      session: request.session,
      supplier: request.supplier,
      application: request.application,
      model: request.model,
      request: stringifyWithBigInts(request),
      requestSignature: signed.signature,
      receipt: stringifyWithBigInts(receipt.receipt),
      receiptSignature: receipt.signature,
      createdAt: Date.now(),
    })
    .catch((error: unknown) => logger.error({ err: error }, "storing the receipt failed"));
}

function stringifyWithBigInts(value: unknown): string {
  return JSON.stringify(value, (_, entry) => (typeof entry === "bigint" ? entry.toString() : entry));
}
