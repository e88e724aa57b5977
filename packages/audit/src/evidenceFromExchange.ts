import { randomUUID } from "node:crypto";
import type { EvidenceKind, EvidenceRecord, RelayedExchange } from "@aviary/gateway";
import type { AuditCheckResult } from "./statistics/index.ts";

const bigintsAsStrings = (_: string, value: unknown) =>
  typeof value === "bigint" ? value.toString() : value;

export type EvidenceFromExchangeParameters = {
  exchange: RelayedExchange;
  kind: EvidenceKind;
  /** The failed check (a text audit's, or an image audit's: same fields). */
  check: Pick<AuditCheckResult, "value" | "limit" | "detail"> & { check: string };
  /** More numbers to publish with the check's own (`value`, `limit`). */
  values?: Record<string, unknown>;
  /**
   * Publish the relayed body (the prompt) with the signed request. Only for the gateway's own audit prompts:
   * a user's prompt is never published (the request's `bodyHash` still binds the evidence to it).
   */
  includeBody: boolean;
  now?: number;
};

/**
 * Builds the evidence record of a failed check on one relay: the check with its numbers, the request the
 * gateway signed (and, for its own audits, the body it covers), and the receipt the supplier signed. Anyone
 * can verify both signatures and, for audits, re-run the check against the registered weights.
 *
 * @param parameters - the relay, the kind of evidence, the failed check, what else to publish.
 * @example
 * ```ts
 * await store.putEvidence(evidenceFromExchange({ exchange, kind: "audit", check: verdict.failed, includeBody: true }));
 * ```
 */
export function evidenceFromExchange({
  exchange,
  kind,
  check,
  values = {},
  includeBody,
  now = Date.now(),
}: EvidenceFromExchangeParameters): EvidenceRecord {
  return {
    id: randomUUID(),
    supplier: exchange.supplier.address.toLowerCase(),
    model: exchange.model,
    kind,
    check: check.check,
    detail: check.detail,
    values: JSON.stringify({ value: check.value, limit: check.limit, ...values }, (_, value) =>
      typeof value === "number" && !Number.isFinite(value) ? String(value) : value,
    ),
    relayKey: exchange.relayKey,
    createdAt: now,
    request: JSON.stringify(
      {
        route: exchange.route,
        request: exchange.request,
        signature: exchange.requestSignature,
        ...(includeBody ? { body: new TextDecoder().decode(exchange.relayBody) } : {}),
      },
      bigintsAsStrings,
    ),
    receipt: JSON.stringify(
      {
        receipt: exchange.receipt.receipt,
        signature: exchange.receipt.signature,
        encoded: exchange.receipt.encoded,
      },
      bigintsAsStrings,
    ),
  };
}
