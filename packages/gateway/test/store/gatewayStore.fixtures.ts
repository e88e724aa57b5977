// Builders of valid records for the GatewayStore tests (the supplier's relayStore.fixtures.ts pattern).
import { randomUUID } from "node:crypto";
import { windowStartOf } from "../../src/store/decideAdmission.ts";
import type {
  AuditRecord,
  EvidenceRecord,
  ReceiptRecord,
  Reservation,
  UsageRecord,
} from "../../src/store/GatewayStore.ts";

/** A minute boundary used as "now" by the tests: 2023-11-14T22:14:00Z. */
export const T0 = 1_700_000_040_000;

/**
 * A valid usage record for `keyId`; fields may be overridden.
 *
 * @example
 * ```ts
 * const usage = makeUsageRecord({ keyId: record.id, costWei: 10n });
 * ```
 */
export function makeUsageRecord(overrides: Partial<UsageRecord> & { keyId: string }): UsageRecord {
  return {
    id: randomUUID(),
    createdAt: T0,
    model: "llama-3.1-8b-instruct",
    supplier: "0x1111111111111111111111111111111111111111",
    application: "0x2222222222222222222222222222222222222222",
    route: "/v1/chat/completions",
    stream: false,
    status: "ok",
    errorCode: null,
    inputTokens: 10,
    outputTokens: 20,
    costWei: 0n,
    relayKey: `0x${"ab".repeat(32)}`,
    session: 7n,
    latencyMs: 120,
    timeToFirstTokenMs: 40,
    attempts: 1,
    ...overrides,
  };
}

/**
 * The reservation of a request that reserved nothing, in the window of `createdAt`.
 *
 * @example
 * ```ts
 * await store.recordUsage(usage, nothingReserved(usage.createdAt));
 * ```
 */
export function nothingReserved(createdAt: number): Reservation {
  return { tokens: 0, costWei: 0n, windowStart: windowStartOf(createdAt) };
}

/**
 * A valid receipt record; fields may be overridden.
 *
 * @example
 * ```ts
 * const receipt = makeReceiptRecord({ session: 9n });
 * ```
 */
export function makeReceiptRecord(overrides: Partial<ReceiptRecord> = {}): ReceiptRecord {
  const session = overrides.session ?? 7n;
  const relayKey = overrides.relayKey ?? `0x${randomUUID().replaceAll("-", "").padEnd(64, "0")}`;
  return {
    relayKey,
    session,
    supplier: "0x1111111111111111111111111111111111111111",
    application: "0x2222222222222222222222222222222222222222",
    model: `0x${"33".repeat(32)}`,
    request: JSON.stringify({
      session: session.toString(),
      nonce: "1",
      inputPrice: (2n ** 127n + 5n).toString(),
    }),
    requestSignature: `0x${"44".repeat(65)}`,
    receipt: JSON.stringify({ relayKey, inputUnits: (2n ** 64n - 6n).toString(), outputUnits: "3" }),
    receiptSignature: `0x${"55".repeat(65)}`,
    createdAt: T0,
    ...overrides,
  };
}

/**
 * A valid evidence record; fields may be overridden.
 *
 * @example
 * ```ts
 * const evidence = makeEvidenceRecord({ check: "billing-output" });
 * ```
 */
export function makeEvidenceRecord(overrides: Partial<EvidenceRecord> = {}): EvidenceRecord {
  return {
    id: randomUUID(),
    supplier: "0x1111111111111111111111111111111111111111",
    model: "llama-3.1-8b-instruct",
    kind: "audit",
    check: "token-rank",
    detail: "27 of 32 tokens (84%) were not the reference's top choice; limit 0%",
    values: JSON.stringify({ value: 0.84, limit: 0 }),
    relayKey: `0x${"ab".repeat(32)}`,
    createdAt: T0,
    request: JSON.stringify({ request: { nonce: "1" }, signature: `0x${"44".repeat(65)}` }),
    receipt: JSON.stringify({ receipt: { outputUnits: "3" }, signature: `0x${"55".repeat(65)}` }),
    ...overrides,
  };
}

/**
 * A valid audit record; fields may be overridden.
 *
 * @example
 * ```ts
 * const audit = makeAuditRecord({ passed: false, check: "premature-stop" });
 * ```
 */
export function makeAuditRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: randomUUID(),
    supplier: "0x1111111111111111111111111111111111111111",
    model: "llama-3.1-8b-instruct",
    kind: "audit",
    relayKey: `0x${"ab".repeat(32)}`,
    passed: true,
    check: null,
    temperature: 0,
    createdAt: T0,
    metrics: JSON.stringify({ tokens: 32 }),
    ...overrides,
  };
}
