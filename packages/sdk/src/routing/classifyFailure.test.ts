import { describe, expect, it } from "vitest";
import { type AttemptOutcome, classifyFailure } from "./classifyFailure.ts";

describe("classifyFailure", () => {
  it.each<[AttemptOutcome, ReturnType<typeof classifyFailure>]>([
    [
      { kind: "network", code: "ECONNREFUSED" },
      { failureKind: "connect", retryable: true, fault: "supplier" },
    ],
    [{ kind: "network" }, { failureKind: "connect", retryable: true, fault: "supplier" }],
    [
      { kind: "network", code: "ABORT_ERR" },
      { failureKind: null, retryable: false, fault: "client" },
    ],
    [{ kind: "timeout" }, { failureKind: "timeout", retryable: true, fault: "supplier" }],
    [{ kind: "receipt-invalid" }, { failureKind: "bad-receipt", retryable: true, fault: "supplier" }],
    [{ kind: "stream-broken" }, { failureKind: "stream-broken", retryable: true, fault: "supplier" }],
    // Supplier's fault.
    [
      { kind: "http", status: 500, code: "internal_error" },
      { failureKind: "5xx", retryable: true, fault: "supplier" },
    ],
    [
      { kind: "http", status: 502 },
      { failureKind: "5xx", retryable: true, fault: "supplier" },
    ],
    [
      { kind: "http", status: 503, code: "chain_unavailable" },
      { failureKind: "5xx", retryable: true, fault: "supplier" },
    ],
    [
      { kind: "http", status: 503, code: "shutting_down" },
      { failureKind: "refusal", retryable: true, fault: "supplier" },
    ],
    [
      { kind: "http", status: 504, code: "backend_timeout" },
      { failureKind: "timeout", retryable: true, fault: "supplier" },
    ],
    [
      { kind: "http", status: 404, code: "unknown_model" },
      { failureKind: "refusal", retryable: true, fault: "supplier" },
    ],
    // Routed on its declared capabilities, then refused by the same rule: the declaration is wrong.
    [
      { kind: "http", status: 400, code: "unsupported_parameter" },
      { failureKind: "refusal", retryable: true, fault: "supplier" },
    ],
    [
      { kind: "http", status: 400, code: "session_not_started" },
      { failureKind: "refusal", retryable: true, fault: "supplier" },
    ],
    [
      { kind: "http", status: 429 },
      { failureKind: "refusal", retryable: true, fault: "supplier" },
    ],
    [
      { kind: "http", status: 408 },
      { failureKind: "timeout", retryable: true, fault: "supplier" },
    ],
    [
      { kind: "http", status: 200 },
      { failureKind: "5xx", retryable: true, fault: "supplier" },
    ],
    // The client's fault.
    [
      { kind: "http", status: 400, code: "invalid_request" },
      { failureKind: null, retryable: false, fault: "client" },
    ],
    [
      { kind: "http", status: 400, code: "invalid_json" },
      { failureKind: null, retryable: false, fault: "client" },
    ],
    [
      { kind: "http", status: 400, code: "model_mismatch" },
      { failureKind: null, retryable: false, fault: "client" },
    ],
    [
      { kind: "http", status: 413, code: "body_too_large" },
      { failureKind: null, retryable: false, fault: "client" },
    ],
    [
      { kind: "http", status: 422 },
      { failureKind: null, retryable: false, fault: "client" },
    ],
    // The gateway's own fault.
    [
      { kind: "http", status: 400, code: "session_expired" },
      { failureKind: null, retryable: false, fault: "gateway" },
    ],
    [
      { kind: "http", status: 401, code: "invalid_signature" },
      { failureKind: null, retryable: false, fault: "gateway" },
    ],
    [
      { kind: "http", status: 403 },
      { failureKind: null, retryable: false, fault: "gateway" },
    ],
    [
      { kind: "http", status: 409, code: "replayed_nonce" },
      { failureKind: null, retryable: false, fault: "gateway" },
    ],
    [
      { kind: "http", status: 402, code: "max_cost_too_low" },
      { failureKind: null, retryable: false, fault: "gateway" },
    ],
    [
      { kind: "http", status: 400, code: "price_mismatch" },
      { failureKind: null, retryable: true, fault: "gateway" },
    ],
    // The application's budget.
    [
      { kind: "http", status: 402, code: "over_budget" },
      { failureKind: null, retryable: "switch-application", fault: "application" },
    ],
  ])("test_classify_%j", (outcome, expected) => {
    expect(classifyFailure(outcome)).toEqual(expected);
  });

  it("test_classify_returnsFreshObjects", () => {
    const first = classifyFailure({ kind: "http", status: 402, code: "over_budget" });
    first.retryable = false;
    expect(classifyFailure({ kind: "http", status: 402, code: "over_budget" }).retryable).toBe(
      "switch-application",
    );
  });
});
