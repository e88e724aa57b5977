/**
 * The gateway's persistence boundary: API keys, per-key rate limits and budgets, usage records, relay
 * receipts, and the integrity records (audit results, evidence). This file is the spec; every implementation passes `describeGatewayStoreConformance`
 * (`gatewayStore.conformance.ts`).
 *
 * Amounts are bigint token wei (0 ≤ x < 2^256, stored exactly); times are unix milliseconds.
 * @module
 */

/** Length of a rate-limit window: limits are counted in fixed windows `[k·60 000, (k+1)·60 000)` ms. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * How long an admitted request's reservation waits for its settlement. A reservation still unsettled after
 * it (the replica crashed between `admit` and the commit of its `recordUsage`) is charged: its reserved cost
 * is added to the key's spend, its estimated tokens stay counted, and the charge is recorded (see
 * {@link ApiKeyStore.reservationExpiries}). So a crash loses no accounting and serves nothing for free; the
 * key is charged the worst case it was admitted for. A settlement that arrives later replaces the charged
 * reservation by the actual cost.
 */
export const DEFAULT_RESERVATION_TTL_MS = 15 * 60_000;

/** An API key as listed: never the key itself, only its first 8 characters. */
export type ApiKeyRecord = {
  id: string;
  name: string;
  /** First 8 characters of the key (`avy_` and 4 more), shown in listings; unique among keys. */
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
  /** Lifetime spend cap; `null` = none. */
  budgetWei: bigint | null;
  /** Settled spend so far (reservations of requests in flight are not included). */
  spentWei: bigint;
  /** `null` = unlimited. */
  requestsPerMinute: number | null;
  /** `null` = unlimited. */
  tokensPerMinute: number | null;
};

/** What `createKey` returns: the only time the plaintext key is available. */
export type CreatedApiKey = {
  /** Plaintext, shown once: `"avy_"` + 43 base64url characters of 32 random bytes. */
  key: string;
  record: ApiKeyRecord;
};

/** One request through the gateway, as accounted. */
export type UsageRecord = {
  /** Unique per request; `recordUsage` is idempotent on it. */
  id: string;
  keyId: string;
  createdAt: number;
  model: string;
  supplier: string | null;
  application: string | null;
  route: string;
  stream: boolean;
  status: "ok" | "error";
  errorCode: string | null;
  inputTokens: number;
  outputTokens: number;
  costWei: bigint;
  relayKey: string | null;
  session: bigint | null;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  attempts: number;
};

/** A supplier's signed receipt for one relay, kept as evidence for audits and disputes. */
export type ReceiptRecord = {
  /** EIP-712 digest of the request; the record's identity. */
  relayKey: string;
  session: bigint;
  supplier: string;
  application: string;
  model: string;
  /** JSON of the RelayRequest with bigints as strings. */
  request: string;
  requestSignature: string;
  /** JSON of the RelayReceipt with bigints as strings. */
  receipt: string;
  receiptSignature: string;
  createdAt: number;
};

/** What a piece of evidence is about: a failed audit, an overbilled receipt, a failed two-sample test. */
export type EvidenceKind = "audit" | "billing" | "distribution";

/**
 * A failed check kept as evidence against a supplier, published at `GET /public/v1/evidence`. The relay's
 * signed request and the supplier's signed receipt make it checkable by anyone who trusts neither the gateway
 * nor the supplier.
 */
export type EvidenceRecord = {
  /** Unique; `putEvidence` is idempotent on it. */
  id: string;
  /** The supplier's address (stored lowercase). */
  supplier: string;
  /** The model's name. */
  model: string;
  kind: EvidenceKind;
  /** The failed check (`token-rank`, `billing-output`, …). */
  check: string;
  /** One sentence with the numbers. */
  detail: string;
  /** JSON of the check's numbers (`{"value":…,"limit":…}` and more). */
  values: string;
  /** EIP-712 digest of the relay's request; null for evidence about many relays (a distribution test). */
  relayKey: string | null;
  createdAt: number;
  /** JSON of the signed relay: `{ request, signature, body? }` (body only for the gateway's own audit prompts). */
  request: string | null;
  /** JSON of the signed receipt: `{ receipt, signature, encoded }`. */
  receipt: string | null;
};

/** Filter of {@link GatewayStore.evidence}. */
export type EvidenceFilter = {
  /** Any case. */
  supplier?: string;
  model?: string;
  /** Only records with `createdAt >= since`. */
  since?: number;
  /** At most this many, newest first. Default 100, at most 10 000. */
  limit?: number;
};

/** The outcome of one audit (covert, or an evaluation-set item). */
export type AuditRecord = {
  /** Unique; `putAudit` is idempotent on it. */
  id: string;
  /** The supplier's address (stored lowercase). */
  supplier: string;
  model: string;
  kind: "audit" | "evaluation";
  relayKey: string | null;
  passed: boolean;
  /** The failed check, when it failed. */
  check: string | null;
  /** The audited request's temperature (0: greedy). */
  temperature: number;
  createdAt: number;
  /** JSON of the verdict's summary metrics. */
  metrics: string;
};

/** Filter of {@link GatewayStore.audits}. */
export type AuditFilter = {
  /** Any case. */
  supplier?: string;
  model?: string;
  since?: number;
  /** At most this many, newest first. Default 1000, at most 100 000. */
  limit?: number;
};

/**
 * The verdict of `admit`. On refusal, `limit` names the limit that refused (`"50 requests per minute"`,
 * `"1000 tokens per minute"`, `"budget 5000 wei"`) and `retryAfterMs` says when trying again can succeed:
 * the start of the next window for `requests` and `tokens`; for `budget`, when the oldest pending
 * reservation stops counting if pending reservations are what blocks, else `0` (the budget is spent: only
 * raising it helps).
 */
export type RateLimitDecision =
  | { allowed: true; windowStart: number }
  | { allowed: false; reason: "requests" | "tokens"; retryAfterMs: number; limit: string }
  | {
      allowed: false;
      reason: "budget";
      retryAfterMs: number;
      limit: string;
      /** What is left of the budget once the spend and the pending reservations are counted (≥ 0). */
      remainingWei: bigint;
    };

/**
 * The verdict of `raiseReservation`: the raised reservation (hand it to `recordUsage`), or a refusal with what is
 * left of the budget (the reservation is unchanged then).
 */
export type RaiseReservationDecision =
  | { allowed: true; reservation: Reservation }
  | { allowed: false; limit: string; remainingWei: bigint };

/** What `admit` reserved, handed back to `recordUsage` to settle it. */
export type Reservation = { tokens: number; costWei: bigint; windowStart: number };

/** Filter of {@link GatewayStore.usage}. */
export type UsageFilter = {
  keyId?: string;
  /** Only records with `createdAt >= since`. */
  since?: number;
  /** At most this many, newest first. Default 1000, at most 100 000. */
  limit?: number;
};

/** Filter of {@link GatewayStore.receiptsFor}: every given field must match exactly. */
export type ReceiptFilter = { session?: bigint; supplier?: string; application?: string; model?: string };

/** Reservations of one key's rate window that expired unsettled and were charged. */
export type ReservationExpiryRecord = {
  keyId: string;
  windowStart: number;
  /** When the charge was made (the `now` of the `admit` or sweep that found it). */
  expiredAt: number;
  /** Admitted requests never settled (0 for reservations made before stores counted them). */
  requests: number;
  /** Their estimated tokens (left counted in their window). */
  tokens: number;
  /** Their reserved cost, added to the key's spend. */
  chargedWei: bigint;
  /** Late settlements that replaced part of the charge by their actual cost. */
  settledRequests: number;
  settledWei: bigint;
};

/** Filter of {@link ApiKeyStore.reservationExpiries}. */
export type ReservationExpiryFilter = {
  keyId?: string;
  /** Only records with `expiredAt >= since`. */
  since?: number;
  /** At most this many, newest first. Default 1000, at most 100 000. */
  limit?: number;
};

/** What {@link ApiKeyStore.expireReservations} charged, summed over keys. */
export type ReservationExpirySummary = {
  /** Keys charged. */
  keys: number;
  requests: number;
  tokens: number;
  chargedWei: bigint;
};

/**
 * API keys, their limits and budgets, admission and usage: the accounting concern of {@link GatewayStore}.
 * `admit` is a durable transaction of its own; `recordUsage` joins the store's write batch (group commit).
 */
export interface ApiKeyStore {
  /** Creates a key. Limits default to none. */
  createKey(input: {
    name: string;
    budgetWei?: bigint | null;
    requestsPerMinute?: number | null;
    tokensPerMinute?: number | null;
  }): Promise<CreatedApiKey>;
  /** Revokes by id or by 8-character prefix; returns the key, or `undefined` when none matches. Revoking twice keeps the first `revokedAt`. */
  revokeKey(idOrPrefix: string): Promise<ApiKeyRecord | undefined>;
  /** Every key, revoked ones included, oldest first. Flushes queued writes first, so spend includes them. */
  listKeys(): Promise<ApiKeyRecord[]>;
  /**
   * By plaintext key (hashed with sha256 before lookup; only hashes are stored). Revoked keys return undefined.
   * Does not wait for queued writes (it is on the request path): `spentWei` may lag by one write batch.
   */
  authenticate(key: string): Promise<ApiKeyRecord | undefined>;
  /**
   * Atomically (across replicas sharing the database) admits one request for `keyId` that may use up to
   * `estimatedTokens` and `estimatedCostWei`: fixed one-minute windows per key for requests and tokens; budget
   * checked as spent + reserved ≤ budgetWei (and refused once spent + reserved reaches it). On success it
   * reserves them in the window of `now` and commits before returning; a refusal reserves nothing.
   *
   * First charges the key's reservations older than {@link DEFAULT_RESERVATION_TTL_MS} that were never settled
   * (see there). A request estimated above the whole tokens-per-minute limit is admitted into an empty window
   * (it could never fit otherwise).
   *
   * @throws ApiKeyNotFoundError for an unknown key, ApiKeyRevokedError for a revoked one.
   */
  admit(
    keyId: string,
    estimatedTokens: number,
    estimatedCostWei: bigint,
    now?: number,
  ): Promise<RateLimitDecision>;
  /**
   * Raises an admitted request's reservation to `costWei` (a failover to a pricier supplier): atomically, as
   * `admit`, checks spent + pending + the increase ≤ budgetWei and adds the increase to the reservation's window,
   * where it is charged at expiry like the rest of it (crash safety is kept). No request or token is counted
   * again. A `costWei` at or below the reservation's changes nothing. Refused (nothing changes) when the budget
   * cannot cover the increase, or when the reservation's window already expired.
   *
   * @throws ApiKeyNotFoundError for an unknown key, ApiKeyRevokedError for a revoked one.
   */
  raiseReservation(
    keyId: string,
    reservation: Reservation,
    costWei: bigint,
    now?: number,
  ): Promise<RaiseReservationDecision>;
  /**
   * Settles an admitted request: replaces the reservation by the actual tokens (`inputTokens + outputTokens`,
   * counted in the window of admission) and cost (added to `spentWei`), and appends the usage record, all in
   * one transaction. The record joins the store's write batch; the promise resolves once that batch is
   * committed (or rejects), so the request path need not wait for it. Idempotent on `usage.id`: a repeated call
   * (a retry after a timeout) changes nothing. A request that was never admitted is settled with
   * `{ tokens: 0, costWei: 0n, windowStart }`.
   *
   * @throws ApiKeyNotFoundError when `usage.keyId` is unknown (that record only; the rest of its batch commits).
   */
  recordUsage(usage: UsageRecord, reserved: Reservation): Promise<void>;
  /** Usage records, newest first. Flushes queued writes first. */
  usage(filter: UsageFilter): Promise<UsageRecord[]>;
  /**
   * Charges every key's reservations that are unsettled after {@link DEFAULT_RESERVATION_TTL_MS} at `now`
   * (default: the clock), as `admit` does for its key, and records each charge. `migrate()` runs it once, so a
   * restart after a crash charges what the crash left unsettled; run it periodically to keep idle keys' spend
   * current.
   */
  expireReservations(now?: number): Promise<ReservationExpirySummary>;
  /** The recorded charges of expired reservations, newest first: what crashes left unsettled. */
  reservationExpiries(filter: ReservationExpiryFilter): Promise<ReservationExpiryRecord[]>;
}

/** Supplier receipts: the evidence concern of {@link GatewayStore} that reconciliation and disputes read. */
export interface ReceiptStore {
  /**
   * Stores a receipt. Idempotent per `relayKey`: putting the same receipt again is a no-op. A *different*
   * receipt for a stored `relayKey` is not written and the stored one comes back as `conflict` (evidence of a
   * supplier signing two receipts for one request). `createdAt` is not part of the comparison. The receipt
   * joins the store's write batch; the promise resolves once that batch is committed.
   */
  putReceipt(receipt: ReceiptRecord): Promise<{ conflict?: ReceiptRecord }>;
  /** Receipts matching every given field, by session, then time, then relayKey. Flushes queued writes first. */
  receiptsFor(filter: ReceiptFilter): Promise<ReceiptRecord[]>;
  /** Deletes the receipts of sessions `< beforeSession` (queued ones included); returns how many. */
  pruneReceipts(beforeSession: bigint): Promise<number>;
}

/** Audit outcomes and evidence against suppliers: the integrity concern of {@link GatewayStore}. */
export interface IntegrityStore {
  /** Stores a piece of evidence. Idempotent on `id` (a record with a stored id is ignored). */
  putEvidence(record: EvidenceRecord): Promise<void>;
  /** Evidence matching the filter, newest first. */
  evidence(filter: EvidenceFilter): Promise<EvidenceRecord[]>;
  /** Stores an audit's outcome. Idempotent on `id`. */
  putAudit(record: AuditRecord): Promise<void>;
  /** Audit outcomes matching the filter, newest first. */
  audits(filter: AuditFilter): Promise<AuditRecord[]>;
}

/** Schema, write batch and connection of a store. */
export interface StoreLifecycle {
  /**
   * Creates the schema if missing (and adds what newer versions need). Idempotent, safe to run from several
   * replicas at once. Then charges the reservations that expired unsettled (see `expireReservations`).
   */
  migrate(): Promise<void>;
  /** Resolves once every write queued before the call is committed (or has rejected its own promise). */
  flush(): Promise<void>;
  /** Flushes, then releases the database. Idempotent; other operations then throw GatewayStoreClosedError. */
  close(): Promise<void>;
}

/**
 * Persistence of the gateway: {@link ApiKeyStore}, {@link ReceiptStore} and {@link IntegrityStore} over one
 * database, with its {@link StoreLifecycle}. Several gateway replicas may share one database: `admit` and the
 * settlement of `recordUsage` are atomic across all of them, so per-key limits and budgets hold for the fleet,
 * not per replica.
 *
 * Usage and receipts are written in batches (group commit): a batch is committed in one transaction once it
 * holds `maxRecords` records or `intervalMs` after its first one, whichever comes first. Their promises
 * resolve when that transaction commits; reads that must see them flush first.
 *
 * @example
 * ```ts
 * const store = createGatewayStore({ path: "/var/lib/aviary/gateway.db" });
 * await store.migrate();
 * const { key, record } = await store.createKey({ name: "ci", requestsPerMinute: 60, budgetWei: 10n ** 18n });
 * const caller = await store.authenticate(key);
 * const decision = await store.admit(record.id, 1_000, 5n * 10n ** 12n);
 * if (decision.allowed) {
 *   // … serve the request, then (not awaited on the request path; a crash before the commit charges the reservation):
 *   store.recordUsage(usage, { tokens: 1_000, costWei: 5n * 10n ** 12n, windowStart: decision.windowStart })
 *     .catch((error) => logger.error({ err: error }, "usage not recorded"));
 * }
 * ```
 */
export interface GatewayStore extends ApiKeyStore, ReceiptStore, IntegrityStore, StoreLifecycle {}
