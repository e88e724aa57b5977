import type { FailureKind } from "./SupplierStats.ts";

/** How one attempt at a supplier ended, when it did not succeed. */
export type AttemptOutcome =
  /** No HTTP answer: refused/reset connection, DNS failure… (`code`: e.g. `ECONNREFUSED`). */
  | { kind: "network"; code?: string }
  /** No first byte (or no end) within the gateway's deadline. */
  | { kind: "timeout" }
  /** An HTTP error answer; `code` is the OpenAI error body's `code` when present (protocol.md §4). */
  | { kind: "http"; status: number; code?: string }
  /** The answer came but its receipt is missing, malformed, or does not verify. */
  | { kind: "receipt-invalid" }
  /** A stream ended without its receipt and `[DONE]`, or with an error event, after the first byte. */
  | { kind: "stream-broken" };

/** Whose mistake it was. */
export type FailureFault = "supplier" | "client" | "gateway" | "application";

export type ClassifyFailureReturnType = {
  /** What to record against the supplier with `recordFailure`; `null`: not the supplier's fault, record nothing. */
  failureKind: FailureKind | null;
  /**
   * `true`: try the next supplier of the plan. `false`: answer the client with this error.
   * `"switch-application"`: only worth retrying when the caller can sign for another application.
   */
  retryable: boolean | "switch-application";
  fault: FailureFault;
};

const supplier = (failureKind: FailureKind): ClassifyFailureReturnType => ({
  failureKind,
  retryable: true,
  fault: "supplier",
});
const notRetryable = (fault: "client" | "gateway"): ClassifyFailureReturnType => ({
  failureKind: null,
  retryable: false,
  fault,
});

/** Refusal codes (supplier `RelayRefusal`s and backend errors) and what they mean for routing. */
const byCode: Readonly<Record<string, ClassifyFailureReturnType>> = {
  // The client's request is wrong: every supplier would refuse it.
  invalid_request: notRetryable("client"),
  invalid_json: notRetryable("client"),
  model_mismatch: notRetryable("client"),
  context_length_exceeded: notRetryable("client"),
  body_too_large: notRetryable("client"),
  request_aborted: notRetryable("client"),
  // The gateway's own signing/session state is wrong: it would repeat the mistake with every supplier.
  missing_relay_header: notRetryable("gateway"),
  invalid_relay_header: notRetryable("gateway"),
  wrong_supplier: notRetryable("gateway"),
  body_hash_mismatch: notRetryable("gateway"),
  invalid_signature: notRetryable("gateway"),
  gateway_not_delegated: notRetryable("gateway"),
  session_expired: notRetryable("gateway"),
  replayed_nonce: notRetryable("gateway"),
  max_cost_too_low: notRetryable("gateway"),
  // The gateway's cached offer of this one supplier is stale: the others are fine; refresh, don't blame.
  price_mismatch: { failureKind: null, retryable: true, fault: "gateway" },
  // The application's budget with this supplier is spent. Other suppliers meter on their own and might
  // accept, but they share the same on-chain budget pro rata at settlement: only another app helps.
  over_budget: { failureKind: null, retryable: "switch-application", fault: "application" },
  // The supplier does not serve what it advertised, or lags the chain: another one may.
  unknown_model: supplier("refusal"),
  // Requests are routed only to suppliers whose declared capabilities allow every field (the same rule
  // the supplier refuses by): a refusal means its declaration is wrong, not the request.
  unsupported_parameter: supplier("refusal"),
  unsupported_route: supplier("refusal"),
  session_not_started: supplier("refusal"),
  shutting_down: supplier("refusal"),
  backend_overloaded: supplier("refusal"),
  backend_timeout: supplier("timeout"),
};

const abortCodes = new Set(["ABORT_ERR", "AbortError", "ERR_ABORTED", "UND_ERR_ABORTED"]);

/**
 * Decides, for one failed attempt, whether to fail over to the next supplier and what to charge to the
 * supplier's reputation:
 *
 * | outcome                                  | failureKind      | retryable              | fault       |
 * | ---------------------------------------- | ---------------- | ---------------------- | ----------- |
 * | network error (connect, reset, DNS)      | `connect`        | yes                    | supplier    |
 * | network abort (our own `AbortSignal`)    | —                | no                     | client      |
 * | timeout; HTTP 408; `backend_timeout`     | `timeout`        | yes                    | supplier    |
 * | HTTP 5xx (`internal_error`, `backend_*`, `chain_unavailable` …) | `5xx` | yes       | supplier    |
 * | `shutting_down`, `backend_overloaded`, 429, `unknown_model`, `unsupported_route`, other 404, `session_not_started` | `refusal` | yes | supplier |
 * | 400 `invalid_request` / `invalid_json` / `model_mismatch` / `context_length_exceeded`, 413, 499, other 4xx | — | no | client |
 * | 401, 403, 409; `invalid_signature`, `session_expired`, `replayed_nonce`, `max_cost_too_low`, … | — | no | gateway |
 * | `price_mismatch`                         | —                | yes (refresh offers)   | gateway     |
 * | 402 `over_budget` (and other 402)        | —                | `"switch-application"` | application |
 * | receipt missing / invalid                | `bad-receipt`    | yes                    | supplier    |
 * | stream broken after the first byte       | `stream-broken`  | yes: resume on another supplier from the streamed prefix, or end the stream with an explicit error event | supplier |
 *
 * A known `code` decides before the status. An HTTP status below 400 passed here (an error inside a 200)
 * counts as a `5xx`.
 *
 * @param outcome - how the attempt ended.
 * @returns `{ failureKind, retryable, fault }`.
 * @example
 * ```ts
 * const { failureKind, retryable } = classifyFailure({ kind: "http", status: 503, code: "shutting_down" });
 * if (failureKind) book.recordFailure(supplier, { kind: failureKind, now });
 * if (retryable === true) continue; // next supplier of the plan
 * ```
 */
export function classifyFailure(outcome: AttemptOutcome): ClassifyFailureReturnType {
  switch (outcome.kind) {
    case "network":
      return outcome.code !== undefined && abortCodes.has(outcome.code)
        ? notRetryable("client")
        : supplier("connect");
    case "timeout":
      return supplier("timeout");
    case "receipt-invalid":
      return supplier("bad-receipt");
    case "stream-broken":
      return supplier("stream-broken");
    case "http":
      return classifyHttp(outcome.status, outcome.code);
  }
}

function classifyHttp(status: number, code: string | undefined): ClassifyFailureReturnType {
  const known = code === undefined ? undefined : byCode[code];
  if (known) return { ...known };
  if (status >= 500 || status < 400) return supplier("5xx");
  if (status === 408) return supplier("timeout");
  if (status === 429 || status === 404) return supplier("refusal");
  if (status === 402) return { failureKind: null, retryable: "switch-application", fault: "application" };
  if (status === 401 || status === 403 || status === 409) return notRetryable("gateway");
  return notRetryable("client");
}
