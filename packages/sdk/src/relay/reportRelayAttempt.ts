import type { SupplierDirectory } from "../discovery/SupplierDirectory.ts";
import type { SupplierStatsBook } from "../routing/index.ts";
import { recordRelayAttempt } from "./recordRelayAttempt.ts";
import type { RelayAttemptReport, RelayCandidate } from "./relayWithFailover.ts";
import type { SupplierDistrust } from "./SupplierDistrust.ts";

export type ReportRelayAttemptParameters = {
  book: SupplierStatsBook;
  distrust: Pick<SupplierDistrust, "distrust">;
  directory: Pick<SupplierDirectory, "clear">;
};

/**
 * What every relay client learns from one attempt (the gateway's and the SDK's alike): the stats book gets
 * the outcome (`recordRelayAttempt`); a receipt that did not verify makes the supplier a last resort
 * (`SupplierDistrust`); a `price_mismatch` refusal means the cached offers are stale, so the directory is
 * cleared and read again by the next relay.
 *
 * @param parameters - the book, the distrust list, the directory.
 * @param report - what `relayWithFailover`'s `onAttempt` received.
 * @param now - current time, ms. @default Date.now()
 * @example
 * ```ts
 * await relayWithFailover({ ..., onAttempt: (report) => reportRelayAttempt({ book, distrust, directory }, report) });
 * ```
 */
export function reportRelayAttempt(
  { book, distrust, directory }: ReportRelayAttemptParameters,
  report: RelayAttemptReport<RelayCandidate>,
  now: number = Date.now(),
): void {
  recordRelayAttempt(book, report, now);
  if (report.outcome.ok) return;
  const { failure } = report.outcome;
  if (failure.kind === "receipt-invalid") distrust.distrust(report.candidate.address, now);
  else if (failure.kind === "http" && failure.code === "price_mismatch") directory.clear();
}
