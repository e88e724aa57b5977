import type { RelayObserver } from "../server/handleRelay.ts";
import type { SupplierEvaluationBook } from "./SupplierEvaluationBook.ts";

/**
 * The relay observer that feeds the public evaluation: every attempt (availability, TTFT, tokens/s) and the
 * prices of every completed relay.
 *
 * @param book - where the measurements go.
 * @example
 * ```ts
 * const relayContext = { ...context, observer: createEvaluationObserver(evaluation) };
 * ```
 */
export function createEvaluationObserver(book: SupplierEvaluationBook): Required<RelayObserver> {
  return {
    onAttempt: (report) => {
      const { outcome } = report;
      book.recordAttempt(report.candidate.address, {
        ok: outcome.ok,
        charged: !outcome.ok && outcome.classification.failureKind !== null,
        ttftMs: outcome.ok ? outcome.ttftMs : null,
        tokensPerSecond: outcome.ok ? outcome.tokensPerSecond : null,
      });
    },
    onRelayed: (exchange) =>
      book.recordPrice(
        exchange.supplier.address,
        exchange.model,
        exchange.request.inputPrice,
        exchange.request.outputPrice,
      ),
  };
}
