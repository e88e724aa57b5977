import { RECEIPT_HEADER, RECEIPT_SSE_PREFIX } from "@aviary/protocol";
import { rememberPlainAnswer } from "./plainRelayAnswer.ts";
import { streamErrorBody } from "./relayErrorResponse.ts";
import type { RelayCandidate, RelayWithFailoverReturnType } from "./relayWithFailover.ts";
import type { VerifiedReceipt } from "./verifyRelayReceipt.ts";

/** How a re-encoded stream ended. */
export type RelayStreamEnding =
  | {
      ok: true;
      receipt: VerifiedReceipt;
      /** The data payloads sent, in order (only with `collectEvents`). */
      events: string[] | undefined;
    }
  | { ok: false; error: unknown };

export type EncodeRelayResponseParameters<C extends RelayCandidate> = {
  result: RelayWithFailoverReturnType<C>;
  /** Extra headers (who answered, attempts). */
  headers?: Record<string, string>;
  /**
   * Pass the supplier's receipt on: the `Aviary-Receipt` header of a JSON answer, the `: aviary-receipt`
   * comment before a stream's `[DONE]` (so the client can verify it too). @default false
   */
  includeReceipt?: boolean;
  /** Keep the stream's data payloads for `onStreamEnd` (observers). @default false */
  collectEvents?: boolean;
  /** Called once when a stream ended: verified (after `[DONE]` went out) or broken (after its error event). */
  onStreamEnd?: (ending: RelayStreamEnding) => void;
  /** Called when the client stopped reading the stream (the supplier's stream is closed first). */
  onCancel?: (reason: unknown) => void;
};
export type EncodeRelayResponseReturnType = Response;

const encoder = new TextEncoder();
const doneBytes = encoder.encode("data: [DONE]\n\n");

/**
 * The client's answer for a relay that succeeded: the supplier's JSON bytes as they are, or its events
 * re-encoded as they arrive (piped, not buffered). A stream ends with `data: [DONE]` only once the receipt
 * verified, and with an explicit `data: {"error": …}` event otherwise: never a silent clean end.
 *
 * @param parameters - the relay's result, headers, whether to pass the receipt on, callbacks.
 * @example
 * ```ts
 * return encodeRelayResponse({ result, includeReceipt: true, headers: { "Aviary-Supplier": result.candidate.address } });
 * ```
 */
export function encodeRelayResponse<C extends RelayCandidate>(
  parameters: EncodeRelayResponseParameters<C>,
): EncodeRelayResponseReturnType {
  const { result, includeReceipt = false } = parameters;
  if (result.kind === "json") {
    const headers = {
      "content-type": "application/json",
      ...(includeReceipt ? { [RECEIPT_HEADER]: result.receipt.encoded } : {}),
      ...parameters.headers,
    };
    return rememberPlainAnswer(new Response(result.body, { status: 200, headers }), {
      status: 200,
      headers,
      body: result.body,
    });
  }
  const iterator = result.events[Symbol.asyncIterator]();
  let first = result.firstEvent;
  const events: string[] | undefined = parameters.collectEvents ? [] : undefined;
  let ended = false;
  const end = (ending: RelayStreamEnding) => {
    if (ended) return;
    ended = true;
    parameters.onStreamEnd?.(ending);
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (first) {
          controller.enqueue(sseData(first.data));
          events?.push(first.data);
          first = undefined;
          return;
        }
        const next = await iterator.next();
        if (!next.done) {
          controller.enqueue(sseData(next.value.data));
          events?.push(next.value.data);
          return;
        }
        const receipt = await result.receipt;
        controller.enqueue(
          includeReceipt
            ? encoder.encode(`${RECEIPT_SSE_PREFIX}${receipt.encoded}\n\ndata: [DONE]\n\n`)
            : doneBytes,
        );
        controller.close();
        end({ ok: true, receipt, events });
      } catch (error) {
        // After the first byte the status is sent: end with an explicit error event, never a clean end.
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(streamErrorBody(error))}\n\n`));
        controller.close();
        end({ ok: false, error });
      }
    },
    async cancel(reason) {
      ended = true;
      result.cancel(reason);
      parameters.onCancel?.(reason);
      await iterator.return?.(undefined);
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      ...parameters.headers,
    },
  });
}

/** One SSE data event; a payload with line breaks becomes several `data:` lines (the SSE rule). */
function sseData(data: string): Uint8Array {
  if (!data.includes("\n")) return encoder.encode(`data: ${data}\n\n`);
  return encoder.encode(
    `${data
      .split("\n")
      .map((line) => `data: ${line}`)
      .join("\n")}\n\n`,
  );
}
