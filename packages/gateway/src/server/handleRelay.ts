import { randomUUID } from "node:crypto";
import { type OpenAiRoute, openAiErrorResponse, recoverDigestSigner } from "@aviary/protocol";
import {
  BaseError,
  ChainReadError,
  encodeRelayResponse,
  type ParsedRelayBody,
  type PlannedCandidate,
  type PlannedRelayResult,
  type PreparedRelayBody,
  parseRelayBody,
  planRelay,
  prepareRelayBody,
  type RecoverSigner,
  type RelayAttemptReport,
  type RelaySigner,
  type RoutingStrategy,
  relayErrorResponse,
  relayWithModelFallback,
  reportRelayAttempt,
  type SupplierDirectory,
  type SupplierDistrust,
  type SupplierStatsBook,
  sendPlannedRelay,
  type VerifiedReceipt,
} from "@aviary/sdk";
import type { Logger } from "pino";
import { type Address, hexToBytes } from "viem";
import type { ApplicationPool } from "../applications/ApplicationPool.ts";
import type { ApiKeyRecord, GatewayStore } from "../store/GatewayStore.ts";
import { accountRelay, type RelayUsageBase } from "./accountRelay.ts";
import { admitRelay } from "./admitRelay.ts";
import { KeyReservation } from "./KeyReservation.ts";
import type { GatewayMetrics } from "./metrics.ts";
import {
  deferObserver,
  type RelayedExchange,
  type RelayedResponse,
  type RelayHooks,
  type RelayObserver,
} from "./RelayObserver.ts";
import { relayFailureAnswer } from "./relayFailureAnswer.ts";
import { storeRelayReceipt } from "./storeRelayReceipt.ts";

export { ApplicationsExhaustedError } from "./errors.ts";
export type { RelayedExchange, RelayedResponse, RelayHooks, RelayObserver } from "./RelayObserver.ts";

export type RelayHandlerContext = {
  store: GatewayStore;
  directory: SupplierDirectory;
  book: SupplierStatsBook;
  /** Suppliers caught with a bad receipt: only a last resort for a while. */
  distrust: SupplierDistrust;
  pool: ApplicationPool;
  /** Signs each attempt for an application of `pool` (`createGatewayRelaySigner`). */
  signer: RelaySigner;
  metrics: GatewayMetrics;
  logger: Logger;
  domain: { chainId: number; verifyingContract: Address };
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

// libsecp256k1: receipt verification is on every request's path.
const recoverSigner: RecoverSigner = (digest, signature) => {
  const signer = recoverDigestSigner(hexToBytes(digest), signature);
  if (!signer) throw new Error("the receipt signature does not recover");
  return signer;
};

/**
 * One OpenAI request through the gateway: the SDK's relay pipeline (`parseRelayBody` → per model of the
 * `models` fallback list (`relayWithModelFallback`): `prepareRelayBody` → `planRelay` → `sendPlannedRelay`;
 * then `encodeRelayResponse`) with the gateway's own pieces around it: the key's admission (`admitRelay`, at
 * the first model that has a plan: the first attempt's cost), the reservation raised before any pricier attempt
 * (`KeyReservation`), signing for an application of the pool (`context.signer`), and accounting
 * (`accountRelay`, not awaited). Once the answer is out (a stream: after `[DONE]`), `context.observer` and
 * `hooks.onRelayed` get the completed exchange, on a later turn of the event loop. The gateway's covert audits
 * come through here too, so a supplier sees them exactly as it sees users' requests.
 *
 * @param hooks - per-request observer (the audit that sent this request waits for its exchange).
 * @example
 * ```ts
 * const response = await handleRelay(context, "chat/completions", key, bodyBytes, request.signal);
 * ```
 */
export async function handleRelay(
  context: RelayHandlerContext,
  route: OpenAiRoute,
  key: ApiKeyRecord,
  bodyBytes: Uint8Array,
  signal: AbortSignal,
  hooks: RelayHooks = {},
): Promise<Response> {
  const startedAt = performance.now();
  let parsed: ParsedRelayBody;
  try {
    parsed = parseRelayBody({ route, bytes: bodyBytes });
  } catch (error) {
    return relayErrorResponse(error);
  }
  // Admission happens once, for the first model that has a plan; later attempts raise the reservation.
  let reservation: KeyReservation | undefined;
  let current: { prepared: PreparedRelayBody; session: bigint } | undefined;
  const usageId = randomUUID();
  const createdAt = Date.now();
  const usage = (): RelayUsageBase => ({
    id: usageId,
    keyId: key.id,
    createdAt,
    model: current?.prepared.model ?? parsed.model,
    route,
    stream: parsed.stream,
    session: current?.session ?? 0n,
    startedAt,
  });
  const account = (attempts: number, outcome: Parameters<typeof accountRelay>[0]["outcome"]) =>
    accountRelay({
      ...context,
      usage: usage(),
      reservation: (reservation as KeyReservation).current,
      attempts,
      outcome,
    });

  let attempted = 0;
  let served: { prepared: PreparedRelayBody; result: PlannedRelayResult };
  try {
    served = await relayWithModelFallback({
      parsed,
      relay: async (forModel) => {
        const prepared = prepareRelayBody({ parsed: forModel, defaultMaxTokens: context.defaultMaxTokens });
        const lagged = context.currentSession();
        const head = context.headSession();
        const planned = await planRelay({
          prepared,
          sessions: head === lagged ? [lagged] : [lagged, head],
          // Right after a rollover the lagging session may have no delegation yet: then the head's is used.
          canSign: (session) => context.pool.canPay(session, 1n),
          directory: context.directory,
          book: context.book,
          distrust: context.distrust,
          strategy: context.strategy,
          maxAttempts: context.maxAttempts,
        });
        let { plan } = planned;
        if (!reservation) {
          const admission = await admitRelay({
            store: context.store,
            pool: context.pool,
            key,
            prepared,
            ...planned,
          });
          if (!admission.admitted) throw new AdmissionRefused(admission.response);
          reservation = new KeyReservation({
            store: context.store,
            keyId: key.id,
            reservation: admission.reservation,
          });
          plan = admission.plan;
        }
        current = { prepared, session: planned.session };
        const result = await sendPlannedRelay({
          prepared,
          session: planned.session,
          plan,
          signer: reservation.guard(context.signer),
          domain: context.domain,
          hedgeAfterMs: context.hedgeAfterMs,
          onAttempt: (report) => {
            attempted += 1;
            onAttempt(context, report, prepared.model, hooks.countsForRouting !== false);
          },
          // A hedge that lost but was served is a real, billed relay: keep its receipt for reconciliation.
          onHedgeLoser: (loser) => {
            if (loser.kind === "json")
              storeRelayReceipt({ ...context, signed: loser.signed, receipt: loser.receipt });
          },
          firstByteTimeoutMs: context.firstByteTimeoutMs,
          chunkTimeoutMs: context.idleTimeoutMs,
          signal,
          recoverSigner,
        });
        return { prepared, result };
      },
    });
  } catch (error) {
    if (error instanceof AdmissionRefused) return error.response;
    if (!reservation) {
      // Refused before any key was charged: nothing to account.
      if (error instanceof ChainReadError) context.logger.warn({ err: error }, "supplier discovery failed");
      return relayErrorResponse(error);
    }
    const failure = relayFailureAnswer(error);
    if (failure.status === 502 && failure.code === "relay_failed")
      context.logger.error({ err: error }, "relay failed");
    account(attempted, { ok: false, status: failure.status, code: failure.code });
    return openAiErrorResponse(failure.status, failure.code, failure.message, failure.param ?? null);
  }
  const { prepared, result } = served;

  const headers = {
    "x-aviary-supplier": result.candidate.address,
    "x-aviary-attempts": String(result.attempts.length + (result.kind === "json" ? 0 : 1)),
  };
  const observed = Boolean(context.observer?.onRelayed || hooks.onRelayed);
  const notify = (receipt: VerifiedReceipt, response: RelayedResponse, ttftMs: number | null) => {
    if (!observed) return;
    const latencyMs = performance.now() - startedAt;
    const createdAt = Date.now();
    deferObserver(() => {
      const exchange: RelayedExchange = {
        route,
        model: prepared.model,
        modelId: prepared.modelId,
        keyId: key.id,
        relayBody: prepared.bytes,
        supplier: { address: result.candidate.address, endpoint: result.candidate.endpoint },
        request: result.signed.request,
        requestSignature: result.signed.signature,
        relayKey: result.signed.relayKey,
        receipt,
        response,
        ttftMs,
        latencyMs,
        createdAt,
      };
      context.observer?.onRelayed?.(exchange);
      hooks.onRelayed?.(exchange);
    });
  };

  if (result.kind === "json") {
    account(result.attempts.length, {
      ok: true,
      signed: result.signed,
      receipt: result.receipt,
      timeToFirstTokenMs: null,
    });
    notify(result.receipt, { kind: "json", body: result.body }, null);
    return encodeRelayResponse({ result, headers });
  }

  // Streamed: the first event arrived (the status is decided); the rest is piped as it comes.
  const firstTokenMs = performance.now() - startedAt;
  context.metrics.timeToFirstToken.observe(firstTokenMs / 1000);
  const streamed = result;
  return encodeRelayResponse({
    result: streamed,
    headers,
    collectEvents: observed,
    onStreamEnd: (ending) => {
      if (!ending.ok) {
        const code = (ending.error as { code?: unknown }).code;
        account(streamed.attempts.length, {
          ok: false,
          status: 502,
          code: typeof code === "string" ? code : "stream_broken",
        });
        return;
      }
      account(streamed.attempts.length, {
        ok: true,
        signed: streamed.signed,
        receipt: ending.receipt,
        timeToFirstTokenMs: firstTokenMs,
      });
      if (ending.events) notify(ending.receipt, { kind: "stream", events: ending.events }, firstTokenMs);
    },
    // The client went away: settle the key's reservation now rather than when it expires.
    onCancel: () =>
      account(streamed.attempts.length + 1, { ok: false, status: 499, code: "client_closed_request" }),
  });
}

/**
 * Routing learns from every attempt; with `countsForRouting: false` only from failures (an evaluation item can
 * cost a supplier standing, never earn it). Observers and metrics hear of every attempt.
 */
function onAttempt(
  context: RelayHandlerContext,
  report: RelayAttemptReport<PlannedCandidate>,
  model: string,
  countsForRouting: boolean,
): void {
  if (countsForRouting || !report.outcome.ok) reportRelayAttempt(context, report);
  const { observer } = context;
  if (observer?.onAttempt) deferObserver(() => observer.onAttempt?.(report, model));
  context.metrics.attempts.inc({
    supplier: report.candidate.address,
    outcome: report.outcome.ok ? "ok" : "failed",
  });
}

/** Carries a key's refusal (402, 429) out of the model fallback loop: never a reason to try another model. */
class AdmissionRefused extends BaseError {
  override name = "AdmissionRefused";
  readonly response: Response;
  constructor(response: Response) {
    super(`The API key was refused (${response.status}).`);
    this.response = response;
  }
}
