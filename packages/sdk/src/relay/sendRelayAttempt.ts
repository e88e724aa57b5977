import {
  type OpenAiRoute,
  RECEIPT_HEADER,
  RELAY_HEADER,
  type RelayDomainParameters,
  type RelayRequest,
} from "@aviary/protocol";
import type { Address } from "viem";
import type { ReceiptInvalidError } from "../errors.ts";
import { RelayAbortedError, RelayAttemptError } from "../errors.ts";
import { attemptError, RelayBodyReader } from "./attempt/RelayBodyReader.ts";
import { readRelayRefusal } from "./attempt/readRelayRefusal.ts";
import { type RelayStreamEvent, type RelayStreamResult, readRelayStream } from "./attempt/readRelayStream.ts";
import { createFetchRelayTransport } from "./transport/createFetchRelayTransport.ts";
import { defaultRelayTransport } from "./transport/createUndiciRelayTransport.ts";
import type { RelayTransport, RelayTransportResponse } from "./transport/RelayTransport.ts";
import { type RecoverSigner, type VerifiedReceipt, verifyRelayReceipt } from "./verifyRelayReceipt.ts";

export type { RelayStreamEvent, RelayStreamResult };

const decoder = new TextDecoder();

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
  /**
   * Largest body accepted (bytes). The default covers the largest image answer: 10 images at 512x512 are
   * ~8.4 MB of base64 JSON for the test model's abstract pictures (~630 KB per PNG, measured), and at most ~14 MB
   * for incompressible RGBA ones. @default 32 MiB
   */
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

export type SendRelayAttemptReturnType = RelayJsonResult | RelayStreamResult;
export type SendRelayAttemptErrorType = RelayAttemptError | ReceiptInvalidError | RelayAbortedError;

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
    throw attemptError(endpoint, cause, timedOut ? `no response within ${firstByteTimeoutMs} ms` : null);
  } finally {
    clearTimeout(timer);
  }

  const reader = new RelayBodyReader({ response, controller, signal, endpoint, chunkTimeoutMs });
  if (response.status < 200 || response.status > 299) {
    const refusal = await readRelayRefusal(reader, endpoint, response.status);
    detach();
    throw refusal;
  }
  const contentType = response.header("content-type") ?? "";
  if (contentType.toLowerCase().startsWith("text/event-stream")) {
    return readRelayStream({
      reader,
      status: response.status,
      endpoint,
      request: parameters.request,
      operator: parameters.operator,
      domain: parameters.domain,
      recoverSigner: parameters.recoverSigner,
      maxResponseBytes,
      detach,
    });
  }

  let body: Uint8Array;
  try {
    body = await reader.readAll(maxResponseBytes);
  } catch (cause) {
    throw reader.readFailure(cause);
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
