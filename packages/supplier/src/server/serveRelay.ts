import {
  encodeReceiptHeader,
  hashRelayReceipt,
  keccak256Hex,
  openAiError,
  RECEIPT_HEADER,
  RECEIPT_SSE_PREFIX,
  type RelayReceipt,
  relaySamplingSeed,
  requestedImageUnits,
  requestedMaxTokens,
  signDigest,
} from "@aviary/protocol";
import { keccak_256 } from "@noble/hashes/sha3";
import { type Address, bytesToHex, type Hex, hexToBytes } from "viem";
import type { BackendStreamEvent, BackendUsage } from "../backends/Backend.ts";
import type { RelayStore } from "../store/RelayStore.ts";
import type { BudgetMeter } from "./BudgetMeter.ts";
import type { SupplierMetrics } from "./metrics.ts";
import type { NonceGuard } from "./NonceGuard.ts";
import type { VerifiedRelay } from "./verifyRelay.ts";

export type ServeContext = {
  domain: { chainId: number; verifyingContract: Address };
  operatorKey: Uint8Array;
  store: RelayStore;
  nonces: NonceGuard;
  meter: BudgetMeter;
  metrics: SupplierMetrics;
  /** Default output limit when the request sets none. @default 256 */
  defaultMaxTokens?: number;
  onRelayError?: (relay: VerifiedRelay, error: unknown) => void;
};

const encoder = new TextEncoder();

/**
 * What `serveRelay` answers, for any HTTP server to write: a whole body, or a stream of byte chunks.
 */
export type RelayAnswer = WholeRelayAnswer | StreamedRelayAnswer;
export type WholeRelayAnswer = { status: number; headers: Record<string, string>; body: Uint8Array };
export type StreamedRelayAnswer = { status: 200; headers: Record<string, string>; stream: RelayByteStream };

/** A streamed answer's bytes, pulled by the server as the client takes them (piped, never buffered whole). */
export type RelayByteStream = {
  /** The next chunks to send, or `undefined` once the stream is over. Never rejects. */
  next(): Promise<Uint8Array[] | undefined>;
  /** The client went away: stops the backend; an unfinished relay is not billed. */
  cancel(reason?: unknown): void;
};

const eventStreamHeaders = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

/** An OpenAI-shaped error answer (`{"error":{…}}` with the `code`). */
export function errorAnswer(
  status: number,
  code: string,
  message: string,
  param: string | null = null,
  headers: Record<string, string> = {},
): WholeRelayAnswer {
  return {
    status,
    headers: { "content-type": "application/json", ...headers },
    body: encoder.encode(JSON.stringify(openAiError(status, code, message, param))),
  };
}

/** The body field a backend error names (`BackendInvalidRequestError.param`), for the 400's `param`. */
function paramOf(error: unknown): string | null {
  const param = (error as { param?: unknown } | null)?.param;
  return typeof param === "string" ? param : null;
}

function promptText(relay: VerifiedRelay): string {
  const body = relay.body as { messages?: { content: unknown }[]; prompt?: unknown; input?: unknown };
  const parts: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === "string") parts.push(value);
    else if (Array.isArray(value))
      for (const item of value) collect((item as { text?: unknown })?.text ?? item);
  };
  if (body.messages) for (const message of body.messages) collect(message.content);
  collect(body.prompt);
  collect(body.input);
  return parts.join("\n");
}

/**
 * Units for the receipt, never costing more than the app signed for: if the runtime's counts would exceed
 * `maxCost`, output (then input) units are cut to fit. Under-billing keeps the relay provable.
 */
function unitsWithinMaxCost(
  relay: VerifiedRelay,
  usage: BackendUsage,
): { inputUnits: bigint; outputUnits: bigint } {
  const { inputPrice, outputPrice, maxCost } = relay.request;
  let inputUnits = BigInt(usage.promptTokens);
  let outputUnits = BigInt(usage.completionTokens);
  if (inputUnits * inputPrice > maxCost) inputUnits = inputPrice === 0n ? inputUnits : maxCost / inputPrice;
  const left = maxCost - inputUnits * inputPrice;
  if (outputUnits * outputPrice > left) outputUnits = outputPrice === 0n ? outputUnits : left / outputPrice;
  return { inputUnits, outputUnits };
}

async function signAndRecord(
  context: ServeContext,
  relay: VerifiedRelay,
  responseHash: Hex,
  usage: BackendUsage,
): Promise<{ header: string; cost: bigint; receipt: RelayReceipt }> {
  const units = unitsWithinMaxCost(relay, usage);
  const receipt: RelayReceipt = {
    request: relay.requestHash,
    responseHash,
    inputUnits: units.inputUnits,
    outputUnits: units.outputUnits,
  };
  const signature = signDigest(
    hexToBytes(hashRelayReceipt({ domain: context.domain, receipt })),
    context.operatorKey,
  );
  // The one signature rule needs no check here: verifyRelay recovered the request signature under it, and
  // signDigest throws rather than return a receipt signature outside it.
  // The record is durable before the client gets the receipt: what was answered can always be claimed.
  await context.store.append({
    relayKey: relay.relayKey,
    request: relay.request,
    requestSignature: relay.requestSignature,
    receipt,
    receiptSignature: signature,
    servedAt: Date.now(),
  });
  const cost = units.inputUnits * relay.request.inputPrice + units.outputUnits * relay.request.outputPrice;
  const header = encodeReceiptHeader({ receipt, signature });
  return { header, cost, receipt };
}

/**
 * Serves a verified relay through its model's backend: the response (piped chunk by chunk when streamed),
 * then the signed receipt (header, or an SSE comment before `data: [DONE]`). The relay is in the relay log
 * before its receipt is given. Nothing is billed for a relay that fails; its nonce and budget reservation are
 * released. `signal` aborts the backend (the client went away).
 *
 * @example
 * ```ts
 * const answer = await serveRelay(context, verified, abortController.signal);
 * if ("body" in answer) response.writeHead(answer.status, answer.headers).end(answer.body);
 * ```
 */
export async function serveRelay(
  context: ServeContext,
  relay: VerifiedRelay,
  signal: AbortSignal,
): Promise<RelayAnswer> {
  const started = performance.now();
  const labels = { model: relay.model.name, route: relay.route, stream: String(relay.stream) };
  const release = () => {
    context.meter.settle(relay.request.application, relay.request.session, relay.reserved, 0n);
    context.nonces.release(relay.request.session, relay.relayKey);
  };

  // Bound the output by what the app's maxCost can pay for, from the runtime's own prompt count.
  const body = { ...relay.body };
  if (relay.route === "images/generations") {
    // What was signed, made explicit: the backend renders exactly these (verifyRelay checked maxCost covers
    // them), so its own default steps can never bill more than the app agreed to.
    const { images, steps } = requestedImageUnits(body as { n?: number | null; steps?: number | null });
    body.n = images;
    body.steps = steps;
  } else if (relay.route !== "embeddings") {
    const { inputPrice, outputPrice, maxCost } = relay.request;
    const promptTokens = relay.model.backend.countTokens
      ? BigInt(await relay.model.backend.countTokens(promptText(relay)))
      : 0n;
    const left = maxCost - promptTokens * inputPrice;
    const affordable =
      outputPrice === 0n ? Number.MAX_SAFE_INTEGER : left < 0n ? 0 : Number(left / outputPrice);
    if (affordable < 1) {
      release();
      context.metrics.refusals.inc({ code: "max_cost_too_low" });
      return errorAnswer(
        402,
        "max_cost_too_low",
        `maxCost ${maxCost} does not cover the prompt and one output token.`,
      );
    }
    const requested = requestedMaxTokens(body as { max_tokens?: number }, context.defaultMaxTokens ?? 256);
    body.max_tokens = Math.min(requested, affordable);
    delete body.max_completion_tokens;
    // Seeded replay (protocol.md §8): the embedded runtime samples a request that names no seed with the
    // relay's own, so the gateway can replay the answer; an `openai` upstream gets the body as sent.
    if (body.seed == null && relay.capabilities.backend === "embedded")
      body.seed = relaySamplingSeed(relay.relayKey);
  }

  if (!relay.stream) {
    let result: Awaited<ReturnType<typeof relay.model.backend.complete>>;
    try {
      result = await relay.model.backend.complete({ route: relay.route, body, signal });
    } catch (error) {
      release();
      context.onRelayError?.(relay, error);
      const status = (error as { status?: number }).status ?? 502;
      const code = (error as { code?: string }).code ?? "backend_error";
      context.metrics.refusals.inc({ code });
      return errorAnswer(
        status,
        code,
        (error as Error).message.split("\n")[0] ?? "backend failed",
        paramOf(error),
      );
    }
    const bytes = encoder.encode(JSON.stringify(result.body));
    let signed: Awaited<ReturnType<typeof signAndRecord>>;
    try {
      signed = await signAndRecord(context, relay, keccak256Hex(bytes), result.usage);
    } catch (error) {
      release();
      context.onRelayError?.(relay, error);
      const code = (error as { code?: string }).code ?? "record_failed";
      context.metrics.refusals.inc({ code });
      return errorAnswer(500, code, (error as Error).message.split("\n")[0] ?? "recording failed");
    }
    const { header, cost } = signed;
    context.meter.settle(relay.request.application, relay.request.session, relay.reserved, cost);
    context.metrics.observeRelay(labels, performance.now() - started, result.usage, cost);
    return {
      status: 200,
      headers: { "content-type": "application/json", [RECEIPT_HEADER]: header },
      body: bytes,
    };
  }

  // Streamed: the HTTP status is decided only once the first event arrived (errors before it are plain
  // HTTP errors); after that, a failure ends the stream with an explicit error event, never a clean end.
  const abort = new AbortController();
  const onAbort = () => abort.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const iterator = relay.model.backend
    .stream({ route: relay.route, body, signal: abort.signal })
    [Symbol.asyncIterator]();
  let first: IteratorResult<BackendStreamEvent>;
  try {
    first = await iterator.next();
  } catch (error) {
    signal.removeEventListener("abort", onAbort);
    release();
    context.onRelayError?.(relay, error);
    const status = (error as { status?: number }).status ?? 502;
    const code = (error as { code?: string }).code ?? "backend_error";
    context.metrics.refusals.inc({ code });
    return errorAnswer(
      status,
      code,
      (error as Error).message.split("\n")[0] ?? "backend failed",
      paramOf(error),
    );
  }

  const hasher = keccak_256.create();
  let chunkId = "";
  let created = Math.floor(Date.now() / 1000);
  let pending: IteratorResult<BackendStreamEvent> | undefined = first;
  let finished = false;
  /** While the receipt is signed and logged, a cancel leaves the settling to that path. */
  let recording = false;
  let firstByteAt = 0;
  const encode = (text: string, hashed: boolean): Uint8Array => {
    const bytes = encoder.encode(text);
    if (hashed) hasher.update(bytes);
    return bytes;
  };
  const stream: RelayByteStream = {
    async next() {
      if (finished) return undefined;
      try {
        const next = pending ?? (await iterator.next());
        pending = undefined;
        if (finished) return undefined; // cancelled while waiting
        if (next.done) throw new Error("the backend ended the stream without usage");
        const event = next.value;
        if (event.type === "chunk") {
          if (!chunkId) {
            chunkId = String(event.chunk.id ?? "");
            created = Number(event.chunk.created ?? created);
            firstByteAt = performance.now();
          }
          return [encode(`data: ${JSON.stringify(event.chunk)}\n\n`, true)];
        }
        const parts: Uint8Array[] = [];
        if (relay.includeUsage) {
          const usageChunk = {
            id: chunkId,
            object: relay.route === "chat/completions" ? "chat.completion.chunk" : "text_completion",
            created,
            model: relay.model.name,
            choices: [],
            usage: {
              prompt_tokens: event.usage.promptTokens,
              completion_tokens: event.usage.completionTokens,
              total_tokens: event.usage.promptTokens + event.usage.completionTokens,
            },
          };
          parts.push(encode(`data: ${JSON.stringify(usageChunk)}\n\n`, true));
        }
        recording = true;
        const { header, cost } = await signAndRecord(
          context,
          relay,
          bytesToHex(hasher.digest()),
          event.usage,
        ).finally(() => {
          recording = false;
        });
        finished = true;
        context.meter.settle(relay.request.application, relay.request.session, relay.reserved, cost);
        context.metrics.observeRelay(
          labels,
          performance.now() - started,
          event.usage,
          cost,
          firstByteAt - started,
        );
        parts.push(encode(`${RECEIPT_SSE_PREFIX}${header}\n\ndata: [DONE]\n\n`, false));
        signal.removeEventListener("abort", onAbort);
        // Let the backend's generator run its cleanup (it releases its runtime sequence there).
        void Promise.resolve(iterator.return?.(undefined)).catch(() => undefined);
        return parts;
      } catch (error) {
        if (finished) return undefined;
        finished = true;
        release();
        signal.removeEventListener("abort", onAbort);
        context.onRelayError?.(relay, error);
        const code = (error as { code?: string }).code ?? "backend_error";
        context.metrics.refusals.inc({ code: `stream_${code}` });
        const status = (error as { status?: number }).status ?? 502;
        void Promise.resolve(iterator.return?.(undefined)).catch(() => undefined);
        return [
          encode(
            `data: ${JSON.stringify(openAiError(status, code, (error as Error).message.split("\n")[0] ?? "stream failed"))}\n\n`,
            false,
          ),
        ];
      }
    },
    cancel(reason) {
      // The client went away: stop generating; an unfinished relay is not billed.
      abort.abort(reason);
      signal.removeEventListener("abort", onAbort);
      if (!finished && !recording) {
        finished = true;
        release();
      }
      void Promise.resolve(iterator.return?.(undefined)).catch(() => undefined);
    },
  };
  return { status: 200, headers: eventStreamHeaders, stream };
}
