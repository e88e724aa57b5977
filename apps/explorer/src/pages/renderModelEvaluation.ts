import type { ModelEvaluation } from "../views/modelEvaluations.ts";
import { formatMeasure, formatRatio, formatShort, type Html, html } from "./html.ts";

export type RenderModelEvaluationParameters = {
  evaluation: ModelEvaluation;
  /** Prefix of the hooks: `<prefix>-heading` on the heading, `<prefix>-row` on each row. */
  testId: string;
  /** @default "h2" */
  heading?: "h2" | "h3";
};

/**
 * One gateway's evaluation-set scores of one model: a heading "Evaluation on <set> (by <gateway>)" and a
 * table of suppliers ranked by score, with pass rate, items and when each was scored.
 *
 * @example
 * ```ts
 * html`${view.evaluations.map((evaluation) => renderModelEvaluation({ evaluation, testId: "model-evaluation" }))}`;
 * ```
 */
export function renderModelEvaluation(parameters: RenderModelEvaluationParameters): Html {
  const { evaluation, testId } = parameters;
  const gateway = evaluation.gatewayAddress
    ? formatShort(evaluation.gatewayAddress)
    : html`<span class="mono">${evaluation.gateway}</span>`;
  // One span: inside a card the heading is a flex row, which would space out loose text and elements.
  const title = html`<span>Evaluation on <span data-testid="evaluation-set">${evaluation.evaluationSet}</span> (by ${gateway})</span>`;
  return html`${
    parameters.heading === "h3"
      ? html`<h3 data-testid="${testId}-heading" data-gateway="${evaluation.gateway}">${title}</h3>`
      : html`<h2 data-testid="${testId}-heading" data-gateway="${evaluation.gateway}">${title}</h2>`
  }
${
  evaluation.suppliers.length === 0
    ? html`<p class="empty">No supplier scored yet.</p>`
    : html`<table>
  <thead><tr><th class="num">#</th><th>Supplier</th><th class="num">Score</th><th class="num">Pass rate</th><th class="num">Items</th><th>Updated</th></tr></thead>
  <tbody>${evaluation.suppliers.map(
    (row) => html`<tr data-testid="${testId}-row" data-address="${row.address}">
    <td class="num" data-testid="evaluation-rank">${row.rank.toString()}</td>
    <td>${formatShort(row.address, row.staked ? `/suppliers/${row.address}` : undefined, "evaluation-supplier")}</td>
    <td class="num" data-testid="evaluation-score">${formatMeasure(row.score, "", 1)}</td>
    <td class="num" data-testid="evaluation-pass-rate">${formatRatio(row.passRate)}</td>
    <td class="num" data-testid="evaluation-items">${formatMeasure(row.items)}</td>
    <td class="mono" data-testid="evaluation-updated">${row.updatedAt ?? "—"}</td>
  </tr>`,
  )}</tbody>
</table>`
}`;
}
