import { RECEIPT_SSE_PREFIX, type RelayDomainParameters, type RelayRequest } from "@aviary/protocol";
import type { Address } from "viem";
import { ReceiptInvalidError, RelayAbortedError, StreamBrokenError } from "../../errors.ts";
import { createSseParser } from "../createSseParser.ts";
import type { RecoverSigner, VerifiedReceipt } from "../verifyRelayReceipt.ts";
import { verifyRelayReceipt } from "../verifyRelayReceipt.ts";
import { concat, type RelayBodyReader } from "./RelayBodyReader.ts";
import { streamErrorEvent } from "./readRelayRefusal.ts";

/** One data event of a relayed stream: the payload of its `data:` lines. */
export type RelayStreamEvent = { data: string };

/** A streamed answer: events as they arrive; the receipt once `[DONE]` came. */
export type RelayStreamResult = {
  kind: "stream";
  status: number;
  /**
   * The data payloads in order, without comments and `[DONE]`. Iterate once. Ends normally only after the
   * receipt verified; throws {@link StreamBrokenError} (cut, timeout, `error` event) or
   * {@link ReceiptInvalidError} (missing or invalid receipt) otherwise: never a silent clean end.
   */
  events: AsyncIterable<RelayStreamEvent>;
  /** Resolves with the verified receipt at `[DONE]`; rejects with the same error the events throw. */
  receipt: Promise<VerifiedReceipt>;
  /** Stops reading and closes the connection (the supplier stops generating; an unfinished relay is not billed). */
  cancel: (reason?: unknown) => void;
};

export type ReadRelayStreamParameters = {
  reader: RelayBodyReader;
  status: number;
  endpoint: string;
  /** The signed request, the operator who must sign the receipt, the domain, the recovery to use. */
  request: RelayRequest;
  operator: Address;
  domain: RelayDomainParameters;
  recoverSigner?: RecoverSigner;
  /** Most bytes kept for the receipt's hash. */
  maxResponseBytes: number;
  /** Called once the stream is over, however it ended (the caller's signal listener goes). */
  detach: () => void;
};

const errorEventPattern = /^\s*\{\s*"error"\s*:/;
const receiptCommentPrefix = RECEIPT_SSE_PREFIX.slice(2); // "aviary-receipt " (the parser strips ": ")

/**
 * A relay attempt's event stream: the data events as they arrive, then the receipt, which must cover every
 * byte before its `: aviary-receipt` comment and come right before `[DONE]`. Any other ending (cut, timeout,
 * an error event, an event after the receipt, a bad receipt) ends the events with an error.
 *
 * @example
 * ```ts
 * const result = readRelayStream({ reader, status, endpoint, request, operator, domain, maxResponseBytes, detach });
 * for await (const event of result.events) write(event.data);
 * ```
 */
export function readRelayStream(parameters: ReadRelayStreamParameters): RelayStreamResult {
  const { reader, endpoint, maxResponseBytes, detach } = parameters;
  let resolveReceipt!: (receipt: VerifiedReceipt) => void;
  let rejectReceipt!: (error: unknown) => void;
  const receipt = new Promise<VerifiedReceipt>((resolve, reject) => {
    resolveReceipt = resolve;
    rejectReceipt = reject;
  });
  // Callers that only iterate the events see the same error there: no unhandled rejection.
  receipt.catch(() => {});
  let finished = false;
  let iterated = false;

  async function* generate(): AsyncGenerator<RelayStreamEvent> {
    const parser = createSseParser();
    const chunks: Uint8Array[] = [];
    let kept = 0;
    let receiptOffset = -1;
    let receiptText: string | undefined;
    try {
      for (;;) {
        const chunk = await reader.readChunk();
        if (chunk && receiptOffset < 0) {
          kept += chunk.length;
          if (kept > maxResponseBytes) {
            throw new StreamBrokenError({
              reason: "truncated",
              endpoint,
              code: "response_too_large",
              message: `the stream is longer than ${maxResponseBytes} bytes`,
            });
          }
          chunks.push(chunk);
        }
        const items = chunk ? parser.push(chunk) : parser.end();
        for (const item of items) {
          if (item.type === "comment") {
            if (!item.text.startsWith(receiptCommentPrefix)) continue;
            if (receiptOffset >= 0) {
              throw new ReceiptInvalidError({
                reason: "malformed",
                supplier: parameters.request.supplier,
                detail: "two receipts in one stream",
              });
            }
            receiptOffset = item.offset;
            receiptText = item.text.slice(receiptCommentPrefix.length).trim();
            continue;
          }
          if (item.data === "[DONE]") {
            const covered = concat(chunks, kept).subarray(0, Math.max(receiptOffset, 0));
            const verified = await verifyRelayReceipt({
              encoded: receiptText,
              request: parameters.request,
              response: covered,
              operator: parameters.operator,
              domain: parameters.domain,
              recoverSigner: parameters.recoverSigner,
            });
            finished = true;
            resolveReceipt(verified);
            void reader.drain();
            return;
          }
          if (receiptOffset >= 0) {
            throw new ReceiptInvalidError({
              reason: "malformed",
              supplier: parameters.request.supplier,
              detail: "an event came after the receipt: the receipt does not cover it",
            });
          }
          if (errorEventPattern.test(item.data)) throw streamErrorEvent(endpoint, item.data);
          yield { data: item.data };
        }
        if (!chunk) {
          throw new StreamBrokenError({
            reason: "truncated",
            endpoint,
            message:
              receiptOffset >= 0
                ? "the stream ended after the receipt without [DONE]"
                : "the stream ended without a receipt and [DONE]",
          });
        }
      }
    } catch (cause) {
      const error = reader.streamFailure(cause);
      finished = true;
      rejectReceipt(error);
      reader.close(error);
      throw error;
    } finally {
      if (!finished) {
        // The consumer stopped iterating early.
        finished = true;
        reader.cancelled = true;
        const error = new RelayAbortedError();
        rejectReceipt(error);
        reader.close(error);
      }
      detach();
    }
  }

  return {
    kind: "stream",
    status: parameters.status,
    events: {
      [Symbol.asyncIterator]() {
        if (iterated) throw new TypeError("The events of a relayed stream can be iterated only once.");
        iterated = true;
        return generate();
      },
    },
    receipt,
    cancel(reason?: unknown) {
      if (finished) return;
      reader.cancelled = true;
      if (!iterated) {
        finished = true;
        rejectReceipt(new RelayAbortedError({ cause: reason }));
        detach();
      }
      reader.close(reason);
    },
  };
}
