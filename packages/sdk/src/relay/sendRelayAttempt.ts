import {
  type OpenAiRoute,
  RECEIPT_HEADER,
  RECEIPT_SSE_PREFIX,
  RELAY_HEADER,
  type RelayDomainParameters,
  type RelayRequest,
} from "@aviary/protocol";
import type { Address } from "viem";
import { z } from "zod";
import { ReceiptInvalidError, RelayAbortedError, RelayAttemptError, StreamBrokenError } from "../errors.ts";
import { createSseParser } from "./createSseParser.ts";
import { createFetchRelayTransport } from "./transport/createFetchRelayTransport.ts";
import { defaultRelayTransport } from "./transport/createUndiciRelayTransport.ts";
import type { RelayTransport, RelayTransportResponse } from "./transport/RelayTransport.ts";
import { type RecoverSigner, type VerifiedReceipt, verifyRelayReceipt } from "./verifyRelayReceipt.ts";

/** One data event of a relayed stream: the payload of its `data:` lines. */
export type RelayStreamEvent = { data: string };

export type SendRelayAttemptParameters = {
  /** The supplier's endpoint (from discovery), without `/v1/relay`. */
  endpoint: string;
  /** The OpenAI route: `chat/completions`, `completions` or `embeddings`. */
  route: OpenAiRoute;
  /** The exact request body bytes (their keccak256 is the request's `bodyHash`). */
  body: Uint8Array;
  /** The `Aviary-Relay` header value (`encodeRelayHeader({ request, signature })`). */
  header: string;
  /** The signed request, to check the receipt against. */
  request: RelayRequest;
  /** The supplier's operator in `request.session`: who must sign the receipt. */
  operator: Address;
  /** The relay EIP-712 domain (chain id, settlement). */
  domain: RelayDomainParameters;
  /**
   * Most milliseconds until the response headers (for a stream the supplier sends them with its first event;
   * a non-streamed answer comes whole, so this bounds the whole generation). @default 60_000
   */
  firstByteTimeoutMs?: number;
  /** Most milliseconds between two chunks of the body. @default 30_000 */
  chunkTimeoutMs?: number;
  /** Largest body accepted (bytes). @default 32 MiB */
  maxResponseBytes?: number;
  /** Aborts the attempt (the supplier sees the connection close and bills nothing unfinished). */
  signal?: AbortSignal;
  /** A fetch to send with instead of the default transport (tests, custom runtimes). */
  fetch?: typeof globalThis.fetch;
  /** How to reach the supplier. @default `fetch` when given, else undici over a keep-alive pool per origin */
  transport?: RelayTransport;
  /** Signature recovery for receipts. @default viem `recoverAddress` */
  recoverSigner?: RecoverSigner;
};

/** A non-streamed answer whose receipt verified. */
export type RelayJsonResult = {
  kind: "json";
  status: number;
  /** The exact body bytes (what the receipt's `responseHash` covers). */
  body: Uint8Array;
  /** The body parsed (an object). */
  json: Record<string, unknown>;
  receipt: VerifiedReceipt;
};

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

export type SendRelayAttemptReturnType = RelayJsonResult | RelayStreamResult;
export type SendRelayAttemptErrorType = RelayAttemptError | ReceiptInvalidError | RelayAbortedError;

/** OpenAI's error body, as suppliers answer refusals (protocol.md §4). Untrusted: everything optional. */
const openAiErrorSchema = z.object({
  error: z.object({
    message: z.string().max(4096).optional(),
    code: z.union([z.string().max(200), z.number()]).nullish(),
    type: z.string().max(200).nullish(),
  }),
});
const errorEventPattern = /^\s*\{\s*"error"\s*:/;
const receiptCommentPrefix = RECEIPT_SSE_PREFIX.slice(2); // "aviary-receipt " (the parser strips ": ")

const decoder = new TextDecoder();

class ChunkTimeout extends Error {}

/**
 * Sends ONE relay attempt to one supplier: `POST {endpoint}/v1/relay/{route}` with the exact body bytes and the
 * `Aviary-Relay` header, with a deadline for the first byte and between chunks, and verifies the receipt
 * (see {@link verifyRelayReceipt}): for a JSON answer before returning it, for a stream at `[DONE]` (the
 * `: aviary-receipt` comment must cover every byte before it, and come right before `[DONE]`).
 *
 * @param parameters - where, what (body, signed header, request) and whom to trust (operator, domain).
 * @returns `{ kind: "json", body, json, receipt }` or `{ kind: "stream", events, receipt, cancel }`.
 * @throws {RelayAttemptError} `kind: "http"` for a non-2xx answer (OpenAI error `code` and message parsed),
 *   `"network"` when the supplier cannot be reached, `"timeout"` when no response came in time.
 * @throws {ReceiptInvalidError} when a JSON answer's receipt is missing or does not verify.
 * @throws {RelayAbortedError} when `signal` fired.
 * @example
 * ```ts
 * const result = await sendRelayAttempt({ endpoint, route: "chat/completions", body, header, request, operator, domain });
 * if (result.kind === "stream") for await (const event of result.events) console.log(event.data);
 * else console.log(result.json, result.receipt.cost);
 * ```
 */
export async function sendRelayAttempt(
  parameters: SendRelayAttemptParameters,
): Promise<SendRelayAttemptReturnType> {
  const {
    endpoint,
    route,
    signal,
    firstByteTimeoutMs = 60_000,
    chunkTimeoutMs = 30_000,
    maxResponseBytes = 32 * 1024 * 1024,
  } = parameters;
  const transport =
    parameters.transport ??
    (parameters.fetch ? createFetchRelayTransport(parameters.fetch) : defaultRelayTransport());
  if (signal?.aborted) throw new RelayAbortedError({ cause: signal.reason });

  const controller = new AbortController();
  let cancelled = false;
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const detach = () => signal?.removeEventListener("abort", onAbort);

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`no response within ${firstByteTimeoutMs} ms`));
  }, firstByteTimeoutMs);
  let response: RelayTransportResponse;
  try {
    response = await transport({
      url: `${endpoint.replace(/\/+$/, "")}/v1/relay/${route}`,
      headers: { "content-type": "application/json", [RELAY_HEADER]: parameters.header },
      body: parameters.body,
      signal: controller.signal,
    });
  } catch (cause) {
    detach();
    if (signal?.aborted) throw new RelayAbortedError({ cause: signal.reason });
    if (timedOut) {
      throw new RelayAttemptError({
        kind: "timeout",
        endpoint,
        message: `no response within ${firstByteTimeoutMs} ms`,
        cause,
      });
    }
    throw new RelayAttemptError({
      kind: "network",
      endpoint,
      message: describeNetworkError(cause),
      networkCode: networkCodeOf(cause),
      cause,
    });
  } finally {
    clearTimeout(timer);
  }

  /** The next chunk, or undefined at the end; throws ChunkTimeout, or what the body stream throws. */
  const readChunk = async (): Promise<Uint8Array | undefined> => {
    let chunkTimer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        response.read(),
        new Promise<never>((_, reject) => {
          chunkTimer = setTimeout(() => reject(new ChunkTimeout()), chunkTimeoutMs);
        }),
      ]);
      return result;
    } finally {
      clearTimeout(chunkTimer);
    }
  };
  const close = (reason?: unknown) => {
    controller.abort(reason);
    response.close(reason);
  };
  /** Reads the rest of the body (up to `limit` bytes). */
  const readAll = async (limit: number): Promise<Uint8Array> => {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      const chunk = await readChunk();
      if (!chunk) break;
      length += chunk.length;
      if (length > limit) {
        close();
        throw new RelayAttemptError({
          kind: "http",
          endpoint,
          status: 502,
          code: "response_too_large",
          message: `the response is larger than ${limit} bytes`,
        });
      }
      parts.push(chunk);
    }
    return concat(parts, length);
  };
  /** Turns a failure while reading the body into the attempt's error. */
  const readFailure = (cause: unknown): Error => {
    close();
    if (cause instanceof RelayAttemptError || cause instanceof ReceiptInvalidError) return cause;
    if (signal?.aborted || cancelled) return new RelayAbortedError({ cause: signal?.reason ?? cause });
    if (cause instanceof ChunkTimeout) {
      return new RelayAttemptError({
        kind: "timeout",
        endpoint,
        message: `no data for ${chunkTimeoutMs} ms`,
        cause,
      });
    }
    return new RelayAttemptError({
      kind: "network",
      endpoint,
      message: describeNetworkError(cause),
      networkCode: networkCodeOf(cause),
      cause,
    });
  };

  if (response.status < 200 || response.status > 299) {
    let text = "";
    try {
      text = new TextDecoder().decode(await readAll(64 * 1024));
    } catch {
      // The status says enough.
    }
    detach();
    let parsed: z.output<typeof openAiErrorSchema> | undefined;
    try {
      const result = openAiErrorSchema.safeParse(JSON.parse(text));
      if (result.success) parsed = result.data;
    } catch {
      // Not JSON: keep the status only.
    }
    const code = parsed?.error.code;
    throw new RelayAttemptError({
      kind: "http",
      endpoint,
      status: response.status,
      code: code === undefined || code === null ? `http_${response.status}` : String(code),
      message: parsed?.error.message ?? (text.slice(0, 200) || `HTTP ${response.status}`),
    });
  }

  const contentType = response.header("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("text/event-stream")) {
    let body: Uint8Array;
    try {
      body = await readAll(maxResponseBytes);
    } catch (cause) {
      throw readFailure(cause);
    } finally {
      detach();
    }
    const receipt = await verifyRelayReceipt({
      encoded: response.header(RECEIPT_HEADER),
      request: parameters.request,
      response: body,
      operator: parameters.operator,
      domain: parameters.domain,
      recoverSigner: parameters.recoverSigner,
    });
    let json: Record<string, unknown> | undefined;
    try {
      // All that is asked of the body is to be a JSON object: a type check, not a schema walk over every key.
      const parsed: unknown = JSON.parse(decoder.decode(body));
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
        json = parsed as Record<string, unknown>;
    } catch {
      // handled below
    }
    if (!json) {
      throw new RelayAttemptError({
        kind: "http",
        endpoint,
        status: 502,
        code: "invalid_response",
        message: "the supplier's answer is not a JSON object",
      });
    }
    return { kind: "json", status: response.status, body, json, receipt };
  }

  // ───────────── a stream ─────────────
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

  const streamFailure = (cause: unknown): Error => {
    if (
      cause instanceof StreamBrokenError ||
      cause instanceof ReceiptInvalidError ||
      cause instanceof RelayAbortedError
    )
      return cause;
    if (signal?.aborted || cancelled) return new RelayAbortedError({ cause: signal?.reason ?? cause });
    if (cause instanceof ChunkTimeout) {
      return new StreamBrokenError({
        reason: "timeout",
        endpoint,
        message: `no data for ${chunkTimeoutMs} ms`,
        cause,
      });
    }
    if (cause instanceof RelayAttemptError && cause.code === "response_too_large") {
      return new StreamBrokenError({
        reason: "truncated",
        endpoint,
        code: cause.code,
        message: cause.supplierMessage,
      });
    }
    return new StreamBrokenError({
      reason: "network",
      endpoint,
      message: describeNetworkError(cause),
      cause,
    });
  };

  const drain = async () => {
    try {
      while (await readChunk());
    } catch {
      close();
    }
  };

  async function* generate(): AsyncGenerator<RelayStreamEvent> {
    const parser = createSseParser();
    const chunks: Uint8Array[] = [];
    let kept = 0;
    let receiptOffset = -1;
    let receiptText: string | undefined;
    try {
      for (;;) {
        const chunk = await readChunk();
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
            void drain();
            return;
          }
          if (receiptOffset >= 0) {
            throw new ReceiptInvalidError({
              reason: "malformed",
              supplier: parameters.request.supplier,
              detail: "an event came after the receipt: the receipt does not cover it",
            });
          }
          if (errorEventPattern.test(item.data)) throw errorEvent(endpoint, item.data);
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
      const error = streamFailure(cause);
      finished = true;
      rejectReceipt(error);
      close(error);
      throw error;
    } finally {
      if (!finished) {
        // The consumer stopped iterating early.
        finished = true;
        cancelled = true;
        const error = new RelayAbortedError();
        rejectReceipt(error);
        close(error);
      }
      detach();
    }
  }

  return {
    kind: "stream",
    status: response.status,
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
      cancelled = true;
      if (!iterated) {
        finished = true;
        rejectReceipt(new RelayAbortedError({ cause: reason }));
        detach();
      }
      close(reason);
    },
  };
}

function errorEvent(endpoint: string, data: string): StreamBrokenError {
  let status: number | undefined;
  let code: string | undefined;
  let message = "the supplier sent an error event";
  try {
    const parsed = openAiErrorSchema
      .extend({ error: openAiErrorSchema.shape.error.extend({ status: z.number().int().optional() }) })
      .safeParse(JSON.parse(data));
    if (parsed.success) {
      const error = parsed.data.error;
      if (error.code !== undefined && error.code !== null) code = String(error.code);
      if (error.message) message = error.message;
      status = error.status;
    }
  } catch {
    // An unparseable error event is still an error event.
  }
  return new StreamBrokenError({
    reason: "error_event",
    endpoint,
    status,
    code: code ?? "stream_error",
    message,
  });
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** undici reports `TypeError: fetch failed` with the system error as its cause. */
function networkCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) current = errors[0];
    else current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function describeNetworkError(error: unknown): string {
  const code = networkCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${message} (${code})` : message;
}
