import { ReceiptInvalidError, RelayAbortedError, RelayAttemptError, StreamBrokenError } from "../errors.ts";
import type { AttemptOutcome } from "../routing/index.ts";

/**
 * Maps an error of {@link sendRelayAttempt} (or of a stream's events) to routing's `AttemptOutcome`, what
 * `classifyFailure` decides on. A stream that broke before its first event counts like the HTTP error it
 * stands for (an `error` event → its code, a timeout → `timeout`); after the first event it is `stream-broken`.
 *
 * @param error - what the attempt threw.
 * @param afterFirstEvent - whether a stream had already delivered an event. @default false
 * @example
 * ```ts
 * const { retryable, failureKind } = classifyFailure(toAttemptOutcome(error));
 * ```
 */
export function toAttemptOutcome(error: unknown, afterFirstEvent = false): AttemptOutcome {
  if (error instanceof RelayAbortedError) return { kind: "network", code: "AbortError" };
  if (error instanceof ReceiptInvalidError) return { kind: "receipt-invalid" };
  if (error instanceof RelayAttemptError) {
    if (error.kind === "http") return { kind: "http", status: error.status ?? 502, code: error.code };
    if (error.kind === "timeout") return { kind: "timeout" };
    return error.networkCode === undefined
      ? { kind: "network" }
      : { kind: "network", code: error.networkCode };
  }
  if (error instanceof StreamBrokenError) {
    if (afterFirstEvent) return { kind: "stream-broken" };
    if (error.reason === "timeout") return { kind: "timeout" };
    if (error.reason === "error_event")
      return { kind: "http", status: error.status ?? 502, code: error.code };
    return { kind: "stream-broken" };
  }
  // Anything else (a bug, a failing signer) is not the supplier's fault: report it as an abort-like client error.
  return { kind: "http", status: 400, code: "request_failed" };
}
