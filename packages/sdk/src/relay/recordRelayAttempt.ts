import type { SupplierStatsBook } from "../routing/index.ts";
import type { RelayAttemptReport, RelayCandidate } from "./relayWithFailover.ts";

/**
 * Feeds one attempt report of {@link relayWithFailover} into a routing stats book: a success with its latency,
 * TTFT and throughput; a failure with the kind `classifyFailure` charged to the supplier (nothing when it was
 * not the supplier's fault).
 *
 * @param book - the stats book (routing's `SupplierStatsBook`).
 * @param report - what `onAttempt` received.
 * @param now - current time, ms. @default Date.now()
 * @example
 * ```ts
 * await relayWithFailover({ ..., onAttempt: (report) => recordRelayAttempt(book, report) });
 * ```
 */
export function recordRelayAttempt(
  book: SupplierStatsBook,
  report: RelayAttemptReport<RelayCandidate>,
  now: number = Date.now(),
): void {
  const supplier = { address: report.candidate.address, endpoint: report.candidate.endpoint };
  const { outcome } = report;
  if (outcome.ok) {
    book.recordSuccess(supplier, {
      latencyMs: report.ms,
      ttftMs: outcome.ttftMs,
      tokensPerSecond: outcome.tokensPerSecond,
      now,
    });
    return;
  }
  const kind = outcome.classification.failureKind;
  if (kind) book.recordFailure(supplier, { kind, now });
}
