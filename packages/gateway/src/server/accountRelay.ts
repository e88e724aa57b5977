import type { OpenAiRoute } from "@aviary/protocol";
import type { SignedRelay, VerifiedReceipt } from "@aviary/sdk";
import type { Logger } from "pino";
import type { GatewayStore, Reservation } from "../store/GatewayStore.ts";
import type { GatewayMetrics } from "./metrics.ts";
import { storeRelayReceipt } from "./storeRelayReceipt.ts";

/** What every usage record of one request shares. */
export type RelayUsageBase = {
  /** Unique per request (`recordUsage` is idempotent on it). */
  id: string;
  keyId: string;
  createdAt: number;
  model: string;
  route: OpenAiRoute;
  stream: boolean;
  session: bigint;
  /** `performance.now()` when the request arrived. */
  startedAt: number;
};

export type AccountRelayParameters = {
  store: Pick<GatewayStore, "recordUsage" | "putReceipt">;
  metrics: GatewayMetrics;
  logger: Pick<Logger, "error">;
  usage: RelayUsageBase;
  /** What `admitRelay` reserved on the key: settled by this record. */
  reservation: Reservation;
  /** Attempts made (the one that answered included). */
  attempts: number;
  outcome:
    | {
        ok: true;
        signed: SignedRelay;
        receipt: VerifiedReceipt;
        /** Time to the first streamed event, ms (streams). */
        timeToFirstTokenMs: number | null;
      }
    | { ok: false; status: number; code: string };
};

/**
 * Accounts one admitted request: metrics, the usage record that settles the key's reservation (the receipt's
 * units and cost, or nothing for a failure), and for a served relay its receipt. Nothing here is awaited on the
 * response path: the store commits usage and receipts in batches, and a failed write is logged.
 *
 * @param parameters - the store, metrics, logger, the request's usage base, its reservation, the outcome.
 * @example
 * ```ts
 * accountRelay({ store, metrics, logger, usage, reservation, attempts: 1, outcome: { ok: true, signed, receipt, timeToFirstTokenMs: null } });
 * ```
 */
export function accountRelay({
  store,
  metrics,
  logger,
  usage,
  reservation,
  attempts,
  outcome,
}: AccountRelayParameters): void {
  const { startedAt, ...base } = usage;
  const latencyMs = performance.now() - startedAt;
  const failed = (error: unknown) => logger.error({ err: error }, "recording usage failed");
  if (!outcome.ok) {
    metrics.requests.inc({ route: usage.route, model: usage.model, status: String(outcome.status) });
    store
      .recordUsage(
        {
          ...base,
          supplier: null,
          application: null,
          status: "error",
          errorCode: outcome.code,
          inputTokens: 0,
          outputTokens: 0,
          costWei: 0n,
          relayKey: null,
          latencyMs,
          timeToFirstTokenMs: null,
          attempts,
        },
        reservation,
      )
      .catch(failed);
    return;
  }
  const { signed, receipt } = outcome;
  metrics.requests.inc({ route: usage.route, model: usage.model, status: "200" });
  metrics.tokens.inc({ kind: "input" }, Number(receipt.inputUnits));
  metrics.tokens.inc({ kind: "output" }, Number(receipt.outputUnits));
  metrics.latency.observe({ route: usage.route, stream: String(usage.stream) }, latencyMs / 1000);
  store
    .recordUsage(
      {
        ...base,
        supplier: signed.request.supplier,
        application: signed.request.application,
        status: "ok",
        errorCode: null,
        inputTokens: Number(receipt.inputUnits),
        outputTokens: Number(receipt.outputUnits),
        costWei: receipt.cost,
        relayKey: signed.relayKey,
        latencyMs,
        timeToFirstTokenMs: outcome.timeToFirstTokenMs,
        attempts,
      },
      reservation,
    )
    .catch(failed);
  storeRelayReceipt({ store, logger, signed, receipt });
}
