import type { GatewayEvaluation } from "../gateways/schemas.ts";
import { formatMeasure, formatRatio, type Html, html } from "./html.ts";

/** Headers of {@link renderEvaluationCells}' columns. */
export const evaluationHeaders = html`<th class="num">Availability</th><th class="num">TTFT p50/p90/p99</th>
<th class="num">Tokens/s p50/p90</th><th class="num">Audits</th><th class="num">Audit pass</th><th class="num">Billing accuracy</th><th>Flagged</th>`;

/**
 * The evaluation columns of a supplier (a gateway's evaluation, when it publishes one): `—` for every
 * number not measured, or every column when there is no evaluation.
 *
 * @example
 * ```ts
 * html`<tr>${renderEvaluationCells(row.evaluation)}</tr>`;
 * ```
 */
export function renderEvaluationCells(evaluation: GatewayEvaluation | null): Html {
  const ttft = evaluation?.ttftMs;
  const speed = evaluation?.tokensPerSecond;
  const flagged = evaluation?.flagged;
  return html`<td class="num" data-testid="evaluation-availability">${formatRatio(evaluation?.availability)}</td>
<td class="num" data-testid="evaluation-ttft">${
    ttft ? `${formatMeasure(ttft.p50)} / ${formatMeasure(ttft.p90)} / ${formatMeasure(ttft.p99)} ms` : "—"
  }</td>
<td class="num" data-testid="evaluation-tokens-per-second">${
    speed ? `${formatMeasure(speed.p50, "", 1)} / ${formatMeasure(speed.p90, "", 1)}` : "—"
  }</td>
<td class="num" data-testid="evaluation-audits">${formatMeasure(evaluation?.audits)}</td>
<td class="num" data-testid="evaluation-audit-pass-rate">${formatRatio(evaluation?.auditPassRate)}</td>
<td class="num" data-testid="evaluation-billing-accuracy">${formatRatio(evaluation?.billingAccuracy)}</td>
<td data-testid="evaluation-flagged">${
    flagged === undefined || flagged === null
      ? "—"
      : flagged
        ? html`<span class="badge flagged">flagged</span>`
        : "no"
  }</td>`;
}
