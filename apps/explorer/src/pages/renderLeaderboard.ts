import type { ChainStatusView } from "../views/chainStatusView.ts";
import type { LeaderboardView } from "../views/leaderboardView.ts";
import { formatAvy, formatMeasure, formatRatio, formatShort, type Html, html } from "./html.ts";
import { evaluationHeaders, renderEvaluationCells } from "./renderEvaluationCells.ts";
import { renderLayout } from "./renderLayout.ts";
import { renderModelEvaluation } from "./renderModelEvaluation.ts";

/**
 * `/leaderboard`: suppliers ranked by the gateways' reputation, with their measured and evaluation columns;
 * then, per model, suppliers ranked by the gateways' evaluation-set scores.
 *
 * @example
 * ```ts
 * context.html(renderLeaderboard(leaderboardView(data), chainStatusView(state)));
 * ```
 */
export function renderLeaderboard(view: LeaderboardView, chain: ChainStatusView): Html {
  const rows = view.suppliers;
  const body = html`<h1>Leaderboard</h1>
<p class="muted">Ranked by reputation (0–100) as the gateways measure it, averaged over the gateways that measured the
supplier; unmeasured suppliers last, by stake. Evaluation columns show "—" until a gateway publishes them.</p>
${
  rows.length === 0
    ? html`<p class="empty" data-testid="leaderboard-empty">No supplier staked yet.</p>`
    : html`<div class="table-wrap"><table class="compact">
  <thead><tr><th class="num">#</th><th>Supplier</th><th class="num">Stake</th><th class="num">Reputation</th><th class="num">TTFT</th>
    <th class="num">Tokens/s</th><th class="num">Latency</th><th class="num">Error rate</th><th class="num">OK / failed</th>
    ${evaluationHeaders}<th class="num">Relays</th><th class="num">Earned</th></tr></thead>
  <tbody>${rows.map(
    (row) => html`<tr data-testid="leaderboard-row" data-address="${row.address}">
    <td class="num" data-testid="leaderboard-rank">${row.rank.toString()}</td>
    <td>${formatShort(row.address, `/suppliers/${row.address}`, "leaderboard-address")}${
      row.probation
        ? html` <span class="badge probation" data-testid="leaderboard-probation">probation</span>`
        : ""
    }</td>
    <td class="num">${formatAvy(row.stake, "leaderboard-stake")}</td>
    <td class="num" data-testid="leaderboard-reputation">${formatMeasure(row.reputation, "", 1)}</td>
    <td class="num" data-testid="leaderboard-ttft">${formatMeasure(row.ttftMs, "ms")}</td>
    <td class="num" data-testid="leaderboard-tokens-per-second">${formatMeasure(row.tokensPerSecond, "", 1)}</td>
    <td class="num" data-testid="leaderboard-latency">${formatMeasure(row.latencyMs, "ms")}</td>
    <td class="num">${formatRatio(row.errorRate)}</td>
    <td class="num">${formatMeasure(row.successes)} / ${formatMeasure(row.failures)}</td>
    ${renderEvaluationCells(row.evaluation)}
    <td class="num">${row.relays.toString()}</td>
    <td class="num">${formatAvy(row.earned)}</td>
  </tr>`,
  )}</tbody>
</table></div>`
}
${
  view.models.length === 0
    ? ""
    : html`<h2>Evaluation scores by model</h2>
<p class="muted">Each gateway runs its fixed evaluation set through the network: score 0–100 (fidelity to the reference),
pass rate of the set's audits.</p>
${view.models.map(
  (
    model,
  ) => html`<section class="card" data-testid="leaderboard-evaluation-model" data-model-id="${model.id}">
  <h3><a href="/models/${model.id}" data-testid="leaderboard-evaluation-model-name">${model.name}</a></h3>
  ${model.evaluations.map((evaluation) =>
    renderModelEvaluation({ evaluation, testId: "leaderboard-evaluation", heading: "h3" }),
  )}
</section>`,
)}`
}`;
  return renderLayout({
    title: "Leaderboard",
    page: "leaderboard",
    chain,
    api: "/api/leaderboard",
    wide: true,
    body,
  });
}
