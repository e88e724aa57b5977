import { randomBytes, randomUUID } from "node:crypto";
import {
  BaseError,
  encodeRelayHeader,
  type OpenAiRoute,
  openAiError,
  openAiErrorResponse,
  parseOpenAiBody,
  type RelayRequest,
  recoverDigestSigner,
  relayKey,
  signDigest,
} from "@aviary/protocol";
import {
  estimateMaxCost,
  planAttempts,
  providerOptionsSchema,
  type RelayAttemptReport,
  RelayFailedError,
  type RoutingStrategy,
  rankCandidates,
  recordRelayAttempt,
  relayWithFailover,
  type SupplierCandidateInfo,
  type SupplierDirectory,
  type SupplierStatsBook,
  type VerifiedReceipt,
} from "@aviary/sdk";
import type { Logger } from "pino";
import { type Address, type Hex, hexToBytes, keccak256, toHex } from "viem";
import type { ApplicationPool } from "../applications/ApplicationPool.ts";
import type { RelayedResponse } from "../audit/parseRelayedOutput.ts";
import type { ApiKeyRecord, GatewayStore } from "../store/GatewayStore.ts";
import type { GatewayMetrics } from "./metrics.ts";

export type RelayHandlerContext = {
  store: GatewayStore;
  directory: SupplierDirectory;
  book: SupplierStatsBook;
  pool: ApplicationPool;
  metrics: GatewayMetrics;
  logger: Logger;
  domain: { chainId: number; verifyingContract: Address };
  gatewayKey: Uint8Array;
  /** The session relays name: the head's, lagging a couple of blocks behind at a rollover. */
  currentSession: () => bigint;
  /** The head block's session: used when nothing can be relayed in the lagging one. */
  headSession: () => bigint;
  strategy: RoutingStrategy;
  maxAttempts: number;
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
  defaultMaxTokens: number;
  /** Start a second, parallel attempt on another supplier when the first has not answered by then (ms). */
  hedgeAfterMs?: number | null;
  /** Told about every attempt and every completed relay, off the hot path (audits, evaluation). */
  observer?: RelayObserver;
};

/**
 * A relay that completed (receipt verified, response passed on), as observers see it once the client has
 * its answer.
 */
export type RelayedExchange = {
  route: OpenAiRoute;
  /** The model's name. */
  model: string;
  modelId: Hex;
  /** The API key the request came with. */
  keyId: string;
  /** The exact body bytes relayed (what `request.bodyHash` covers). */
  relayBody: Uint8Array;
  supplier: { address: string; endpoint: string };
  request: RelayRequest;
  requestSignature: Hex;
  relayKey: Hex;
  receipt: VerifiedReceipt;
  /** What the client received: the JSON body, or the stream's `data:` payloads. */
  response: RelayedResponse;
  /** Time to the first streamed event, ms (streams). */
  ttftMs: number | null;
  /** Whole request, ms. */
  latencyMs: number;
  createdAt: number;
};

/** Watches the relay path without slowing it: called after the fact, exceptions swallowed. */
export type RelayObserver = {
  /** Every attempt, with its outcome, as routing recorded it. */
  onAttempt?(report: RelayAttemptReport<SupplierCandidateInfo>, model: string): void;
  /** Every completed relay, after its response went out. */
  onRelayed?(exchange: RelayedExchange): void;
};

/** Per-request hooks of {@link handleRelay} (the gateway's own audit relays use them). */
export type RelayHooks = {
  /** Called with the completed relay, after the response (or the stream's end) went out. */
  onRelayed?(exchange: RelayedExchange): void;
};

type Candidate = SupplierCandidateInfo & { stats: ReturnType<SupplierStatsBook["statsFor"]> };

const jsonHeaders = { "content-type": "application/json" };
const encoder = new TextEncoder();

function randomNonce(): bigint {
  return BigInt(`0x${randomBytes(8).toString("hex")}`);
}

/**
 * One OpenAI request through the gateway: authenticate the key, validate the body, admit it against the
 * key's rate limits and budget, pick suppliers (routing), sign a relay per attempt for an application that
 * can still pay, relay with failover, verify the receipt, answer, and account the usage. Once the answer is
 * out (a stream: after `[DONE]`), `context.observer` and `hooks.onRelayed` get the completed exchange, on a
 * later turn of the event loop. The gateway's covert audits come through here too, so a supplier sees them
 * exactly as it sees users' requests.
 *
 * @param hooks - per-request observer (the audit that sent this request waits for its exchange).
 */
export async function handleRelay(
  context: RelayHandlerContext,
  route: OpenAiRoute,
  key: ApiKeyRecord,
  bodyBytes: Uint8Array,
  signal: AbortSignal,
  hooks: RelayHooks = {},
): Promise<Response> {
  const started = performance.now();
  const parsed = parseOpenAiBody(route, bodyBytes);
  if (!parsed.ok) return openAiErrorResponse(400, parsed.code, parsed.message, parsed.param);
  const body = { ...parsed.body };
  const provider = providerOptionsSchema.safeParse(body.provider ?? {});
  if (!provider.success) {
    const issue = provider.error.issues[0];
    return openAiErrorResponse(
      400,
      "invalid_request",
      `provider.${issue?.path.join(".")}: ${issue?.message}`,
      "provider",
    );
  }
  delete body.provider;
  const modelName = String(body.model);
  const stream = body.stream === true;
  // Token bounds shared with the SDK: prompt ≤ UTF-8 bytes + 16 per message, output ≤ the request's limit.
  const estimate = estimateMaxCost({
    route,
    body,
    inputPrice: 0n,
    outputPrice: 0n,
    defaultMaxTokens: context.defaultMaxTokens,
  });
  const bounds = { input: Number(estimate.inputUnits), output: Number(estimate.outputUnits) };
  const maxCostFor = (prices: { inputPrice: bigint; outputPrice: bigint }) =>
    estimate.inputUnits * prices.inputPrice + estimate.outputUnits * prices.outputPrice;
  if (route !== "embeddings") body.max_tokens = bounds.output;
  delete body.max_completion_tokens;
  // Usage is always asked of the supplier (it is what the receipt states), and always passed on.
  if (stream) body.stream_options = { ...((body.stream_options as object) ?? {}), include_usage: true };
  const relayBody = encoder.encode(JSON.stringify(body));
  const bodyHash = keccak256(relayBody);

  const modelId = keccak256(toHex(modelName));
  let session = context.currentSession();
  let infos: SupplierCandidateInfo[];
  try {
    infos = await context.directory.get(modelId, session);
    // Right after a rollover the lagging session may have no offer or no delegation yet: use the head's.
    const headSession = context.headSession();
    if (headSession !== session && (infos.length === 0 || !(await context.pool.canPay(session, 1n)))) {
      session = headSession;
      infos = await context.directory.get(modelId, session);
    }
  } catch (error) {
    context.logger.warn({ err: error }, "supplier discovery failed");
    return openAiErrorResponse(503, "chain_unavailable", "The network's registry could not be read; retry.");
  }
  if (infos.length === 0) {
    return openAiErrorResponse(
      404,
      "model_not_found",
      `No supplier offers model "${modelName}" in session ${session}.`,
      "model",
    );
  }
  const now = Date.now();
  const candidates: Candidate[] = infos.map((info) => ({ ...info, stats: context.book.statsFor(info, now) }));
  const { ranked, excluded } = rankCandidates(candidates, {
    strategy: context.strategy,
    provider: provider.data,
    now,
    random: Math.random,
    expectedUsage: { inputTokens: bounds.input, outputTokens: bounds.output },
  });
  if (ranked.length === 0) {
    return openAiErrorResponse(
      404,
      "no_eligible_supplier",
      `No supplier of "${modelName}" matches the request's provider options (${excluded.map((entry) => `${entry.address}: ${entry.reason}`).join("; ")}).`,
      "provider",
    );
  }
  const plan = planAttempts(ranked, { maxAttempts: context.maxAttempts }) as Candidate[];
  const worstCost = plan.reduce((worst, candidate) => {
    const cost = maxCostFor(candidate);
    return cost > worst ? cost : worst;
  }, 0n);

  const admission = await context.store.admit(key.id, bounds.input + bounds.output, worstCost);
  if (!admission.allowed) {
    const retryAfter = String(Math.ceil(admission.retryAfterMs / 1000));
    if (admission.reason === "budget") {
      return openAiErrorResponse(
        402,
        "insufficient_quota",
        `This API key's budget is exhausted (${admission.limit}).`,
      );
    }
    return openAiErrorResponse(
      429,
      "rate_limit_exceeded",
      `Rate limit reached for this API key (${admission.limit}); retry in ${retryAfter}s.`,
      null,
      {
        "retry-after": retryAfter,
      },
    );
  }
  const reservation = {
    tokens: bounds.input + bounds.output,
    costWei: worstCost,
    windowStart: admission.windowStart,
  };

  // Each attempt reserves its maxCost from an application with budget left; released if it fails.
  const reserved = new Map<string, { application: Address; amount: bigint }>();
  // The request signature of each attempt (by nonce): kept with the receipt, as evidence the relay was ours.
  const requestSignatures = new Map<bigint, Hex>();
  const signRelay = async (candidate: Candidate, attempt: string) => {
    const maxCost = maxCostFor(candidate);
    const application = await context.pool.reserve(session, maxCost);
    if (!application) throw new ApplicationsExhaustedError(session);
    const request: RelayRequest = {
      application,
      supplier: candidate.address as Address,
      model: modelId,
      session,
      nonce: randomNonce(),
      bodyHash,
      inputPrice: candidate.inputPrice,
      outputPrice: candidate.outputPrice,
      maxCost,
    };
    reserved.set(attempt, { application, amount: maxCost });
    const signature = signDigest(
      hexToBytes(relayKey({ domain: context.domain, request })),
      context.gatewayKey,
    );
    requestSignatures.set(request.nonce, signature);
    return { header: encodeRelayHeader({ request, signature }), request };
  };
  const onAttempt = (report: RelayAttemptReport<Candidate>, attempt: string) => {
    recordRelayAttempt(context.book, report);
    if (context.observer?.onAttempt) defer(() => context.observer?.onAttempt?.(report, modelName));
    context.metrics.attempts.inc({
      supplier: report.candidate.address,
      outcome: report.outcome.ok ? "ok" : "failed",
    });
    const hold = reserved.get(attempt);
    if (hold && !report.outcome.ok) context.pool.settle(hold.application, session, hold.amount, 0n);
    if (hold && report.outcome.ok)
      context.pool.settle(hold.application, session, hold.amount, report.outcome.receipt.cost);
  };

  const usageBase = {
    id: randomUUID(),
    keyId: key.id,
    createdAt: Date.now(),
    model: modelName,
    route,
    stream,
  };
  const fail = async (status: number, code: string, message: string, attempts: number) => {
    context.metrics.requests.inc({ route, model: modelName, status: String(status) });
    await context.store
      .recordUsage(
        {
          ...usageBase,
          supplier: null,
          application: null,
          status: "error",
          errorCode: code,
          inputTokens: 0,
          outputTokens: 0,
          costWei: 0n,
          relayKey: null,
          session,
          latencyMs: performance.now() - started,
          timeToFirstTokenMs: null,
          attempts,
        },
        reservation,
      )
      .catch((error) => context.logger.error({ err: error }, "recording usage failed"));
    return openAiErrorResponse(status, code, message);
  };

  type Result = Awaited<ReturnType<typeof relayWithFailover<Candidate>>>;
  const runLane = (lane: number, candidates: Candidate[], laneSignal: AbortSignal): Promise<Result> =>
    relayWithFailover<Candidate>({
      candidates,
      route,
      body: relayBody,
      domain: context.domain,
      signRelay: (candidate, attempt) => signRelay(candidate, `${lane}:${attempt}`),
      onAttempt: (report) => onAttempt(report, `${lane}:${report.attempt}`),
      firstByteTimeoutMs: context.firstByteTimeoutMs,
      chunkTimeoutMs: context.idleTimeoutMs,
      signal: laneSignal,
      // libsecp256k1: receipt verification is on every request's path.
      recoverSigner: (digest, signature) => {
        const signer = recoverDigestSigner(hexToBytes(digest), signature);
        if (!signer) throw new Error("the receipt signature does not recover");
        return signer;
      },
    });

  let result: Result;
  try {
    result =
      context.hedgeAfterMs && plan.length > 1
        ? await relayHedged<Result, Candidate>(plan, context.hedgeAfterMs, signal, runLane, (loser) => {
            // A hedge that lost but was served is a real, billed relay: keep its receipt for reconciliation.
            if (loser.kind === "json") void storeReceipt(loser, loser.receipt).catch(() => {});
          })
        : await runLane(0, plan, signal);
  } catch (error) {
    if (error instanceof ApplicationsExhaustedError) {
      return fail(503, "applications_exhausted", error.shortMessage, reserved.size);
    }
    if (error instanceof RelayFailedError) {
      const status = (error as { status?: number }).status;
      const code = (error as { code?: string }).code;
      // A client error (bad body, context too long) is passed on as it is; anything else is a 502.
      if (status !== undefined && status >= 400 && status < 500 && status !== 402 && status !== 409) {
        return fail(status, code ?? "invalid_request", error.shortMessage, reserved.size);
      }
      return fail(
        502,
        "suppliers_unavailable",
        `Every supplier tried failed: ${error.shortMessage}`,
        reserved.size,
      );
    }
    context.logger.error({ err: error }, "relay failed");
    return fail(
      502,
      "relay_failed",
      (error as Error).message.split("\n")[0] ?? "relay failed",
      reserved.size,
    );
  }

  const supplierHeaders = {
    "x-aviary-supplier": result.candidate.address,
    "x-aviary-attempts": String(result.attempts.length + (result.kind === "json" ? 0 : 1)),
  };
  const storeReceipt = (answered: Result, receipt: { signature: Hex; receipt: unknown }) => {
    const request = answered.request;
    return context.store.putReceipt({
      relayKey: relayKey({ domain: context.domain, request }),
      session,
      supplier: answered.candidate.address,
      application: request.application,
      model: modelId,
      request: JSON.stringify(request, (_, value) => (typeof value === "bigint" ? value.toString() : value)),
      requestSignature: requestSignatures.get(request.nonce) ?? "",
      receipt: JSON.stringify(receipt.receipt, (_, value) =>
        typeof value === "bigint" ? value.toString() : value,
      ),
      receiptSignature: receipt.signature,
      createdAt: Date.now(),
    });
  };
  const account = async (
    receipt: {
      inputUnits: bigint;
      outputUnits: bigint;
      cost: bigint;
      signature: Hex;
      receipt: unknown;
      encoded: string;
    },
    firstTokenMs: number | null,
  ) => {
    const request = result.request;
    const relay = relayKey({ domain: context.domain, request });
    context.metrics.requests.inc({ route, model: modelName, status: "200" });
    context.metrics.tokens.inc({ kind: "input" }, Number(receipt.inputUnits));
    context.metrics.tokens.inc({ kind: "output" }, Number(receipt.outputUnits));
    context.metrics.latency.observe({ route, stream: String(stream) }, (performance.now() - started) / 1000);
    await Promise.all([
      context.store.recordUsage(
        {
          ...usageBase,
          supplier: result.candidate.address,
          application: request.application,
          status: "ok",
          errorCode: null,
          inputTokens: Number(receipt.inputUnits),
          outputTokens: Number(receipt.outputUnits),
          costWei: receipt.cost,
          relayKey: relay,
          session,
          latencyMs: performance.now() - started,
          timeToFirstTokenMs: firstTokenMs,
          attempts: result.attempts.length + 1,
        },
        reservation,
      ),
      storeReceipt(result, receipt),
    ]);
  };

  // Observers (audits, billing checks, evaluation) get the exchange after the client got its answer.
  const observed = Boolean(context.observer?.onRelayed || hooks.onRelayed);
  const notify = (receipt: VerifiedReceipt, response: RelayedResponse, ttftMs: number | null) => {
    if (!observed) return;
    const request = result.request;
    const latencyMs = performance.now() - started;
    const createdAt = Date.now();
    // Built on the deferred turn: the relay key's hashing is the observers' work, not the client's.
    const exchange = (): RelayedExchange => ({
      route,
      model: modelName,
      modelId,
      keyId: key.id,
      relayBody,
      supplier: { address: result.candidate.address, endpoint: result.candidate.endpoint },
      request,
      requestSignature: requestSignatures.get(request.nonce) ?? "0x",
      relayKey: relayKey({ domain: context.domain, request }),
      receipt,
      response,
      ttftMs,
      latencyMs,
      createdAt,
    });
    defer(() => {
      const completed = exchange();
      context.observer?.onRelayed?.(completed);
      hooks.onRelayed?.(completed);
    });
  };

  if (result.kind === "json") {
    try {
      await account(result.receipt, null);
    } catch (error) {
      context.logger.error({ err: error }, "recording usage failed");
    }
    notify(result.receipt, { kind: "json", body: result.body }, null);
    return new Response(result.body, { status: 200, headers: { ...jsonHeaders, ...supplierHeaders } });
  }

  // Streamed: the first event already arrived (the status is decided); pipe the rest as it comes. A stream
  // that breaks, or whose receipt fails, ends with an explicit error event: never a silent clean end.
  const firstTokenMs = performance.now() - started;
  context.metrics.timeToFirstToken.observe(firstTokenMs / 1000);
  const iterator = result.events[Symbol.asyncIterator]();
  let first = result.firstEvent;
  const streamResult = result;
  // Kept only when someone observes (a reference per event: the payloads are passed on anyway).
  const events: string[] | undefined = observed ? [] : undefined;
  const body$ = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (first) {
          controller.enqueue(encoder.encode(`data: ${first.data}\n\n`));
          events?.push(first.data);
          first = undefined;
          return;
        }
        const next = await iterator.next();
        if (!next.done) {
          controller.enqueue(encoder.encode(`data: ${next.value.data}\n\n`));
          events?.push(next.value.data);
          return;
        }
        const receipt = await streamResult.receipt;
        controller.enqueue(encoder.encode("data: [DONE]\n\n"));
        controller.close();
        await account(receipt, firstTokenMs).catch((error) =>
          context.logger.error({ err: error }, "recording usage failed"),
        );
        if (events) notify(receipt, { kind: "stream", events }, firstTokenMs);
      } catch (error) {
        const code = (error as { code?: string }).code ?? "stream_broken";
        controller.enqueue(
          encoder.encode(
            `data: ${JSON.stringify(openAiError(502, code, `The supplier's stream failed: ${(error as Error).message.split("\n")[0]}`))}\n\n`,
          ),
        );
        controller.close();
        await fail(502, code, "stream broken", streamResult.attempts.length + 1).catch(() => {});
      }
    },
    cancel(reason) {
      streamResult.cancel(reason);
      // The client went away: settle the key's reservation now rather than when it expires.
      void fail(
        499,
        "client_closed_request",
        "the client closed the stream",
        streamResult.attempts.length + 1,
      ).catch(() => {});
    },
  });
  return new Response(body$, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      ...supplierHeaders,
    },
  });
}

/** Runs `work` after the current I/O callbacks, never throwing into the relay path. */
function defer(work: () => void): void {
  setImmediate(() => {
    try {
      work();
    } catch {
      // Observers must not throw; a failing one must not break relays either.
    }
  });
}

/** No application this gateway signs for can pay the relay's maxCost this session. */
export class ApplicationsExhaustedError extends BaseError {
  override name = "ApplicationsExhaustedError";
  constructor(session: bigint) {
    super(
      `No application delegated to this gateway has session budget left for this request (session ${session}).`,
      {
        metaMessages: ["Stake more on an application, or delegate another one to this gateway."],
      },
    );
  }
}

/**
 * Hedged relay: the plan is split in two lanes (even and odd positions, so they never try the same supplier);
 * the second lane starts when the first has not answered within `hedgeAfterMs`, or at once when the first
 * failed. The first lane to answer wins (for streams: to deliver its first event); the other is aborted.
 */
function relayHedged<R extends { kind: "json" | "stream"; cancel?: (reason?: unknown) => void }, C>(
  plan: C[],
  hedgeAfterMs: number,
  signal: AbortSignal,
  runLane: (lane: number, candidates: C[], laneSignal: AbortSignal) => Promise<R>,
  onLoser: (loser: R) => void,
): Promise<R> {
  const lanes = [plan.filter((_, index) => index % 2 === 0), plan.filter((_, index) => index % 2 === 1)];
  const controllers = [new AbortController(), new AbortController()];
  const abortAll = () => {
    for (const controller of controllers) controller.abort(signal.reason);
  };
  signal.addEventListener("abort", abortAll, { once: true });
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    let started = 0;
    let failed = 0;
    let lastError: unknown;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      settled = true;
      if (timer) clearTimeout(timer);
      signal.removeEventListener("abort", abortAll);
    };
    const start = (lane: number) => {
      const candidates = lanes[lane] ?? [];
      const controller = controllers[lane];
      if (started > lane || candidates.length === 0 || !controller) return;
      started = lane + 1;
      runLane(lane, candidates, controller.signal).then(
        (result) => {
          if (settled) {
            if (result.kind === "stream") result.cancel?.("the other hedge lane won");
            onLoser(result);
            return;
          }
          finish();
          controllers[1 - lane]?.abort("the other hedge lane won");
          resolve(result);
        },
        (error) => {
          failed += 1;
          lastError = error;
          if (settled) return;
          if (lane === 0 && started < 2 && (lanes[1]?.length ?? 0) > 0) {
            start(1);
            return;
          }
          if (failed >= started) {
            finish();
            reject(lastError);
          }
        },
      );
    };
    start(0);
    timer = setTimeout(() => {
      if (!settled) start(1);
    }, hedgeAfterMs);
  });
}
