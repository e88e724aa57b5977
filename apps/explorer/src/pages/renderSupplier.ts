import type { ChainStatusView } from "../views/chainStatusView.ts";
import type { SupplierView } from "../views/supplierView.ts";
import {
  formatAvy,
  formatAvyShort,
  formatImagePrice,
  formatMeasure,
  formatPrice,
  formatRatio,
  formatShort,
  type Html,
  html,
} from "./html.ts";
import { renderBarChart } from "./renderBarChart.ts";
import { renderClaimsTable } from "./renderClaimsTable.ts";
import { evaluationHeaders, renderEvaluationCells } from "./renderEvaluationCells.ts";
import { renderLayout } from "./renderLayout.ts";
import { renderSlashesTable } from "./renderSlashesTable.ts";

/**
 * `/suppliers/:address`: one supplier: stake (locked as claim collateral, unlocked), offers with prices,
 * each gateway's measurements and evaluation, evidence, the latest image audits (its render beside the
 * reference's), its slashes with their reasons, earnings per
 * session and its claims.
 *
 * @example
 * ```ts
 * context.html(renderSupplier(view, chainStatusView(state)));
 * ```
 */
export function renderSupplier(view: SupplierView, chain: ChainStatusView): Html {
  const body = html`<h1>Supplier <span class="mono" data-testid="supplier-address">${view.address}</span></h1>
<section class="stats">
  <div class="stat"><div class="label">Stake</div><div class="value">${formatAvy(view.stake, "supplier-stake")}</div></div>
  <div class="stat"><div class="label">Locked as claim collateral</div><div class="value">${formatAvy(view.lockedCollateral, "supplier-locked-collateral")}</div></div>
  <div class="stat"><div class="label">Unlocked stake</div><div class="value">${formatAvy(view.unlockedStake, "supplier-unlocked-stake")}</div></div>
  <div class="stat"><div class="label">Unbonding</div><div class="value">${formatAvy(view.unbonding, "supplier-unbonding")}</div></div>
  <div class="stat"><div class="label">Earned</div><div class="value">${formatAvy(view.earned, "supplier-earned")}</div></div>
  <div class="stat"><div class="label">Slashed</div><div class="value">${formatAvy(view.slashed, "supplier-slashed")}</div></div>
  <div class="stat"><div class="label">Claims</div><div class="value" data-testid="supplier-claims">${view.usage.claims.toString()}</div></div>
  <div class="stat"><div class="label">Relays claimed</div><div class="value" data-testid="supplier-relays">${view.usage.relays.toString()}</div></div>
  <div class="stat"><div class="label">Reputation</div><div class="value" data-testid="supplier-reputation">${formatMeasure(view.measured?.reputation, "", 1)}</div></div>
</section>
<div class="card" style="margin-top:12px">
  <dl class="facts">
    <dt>Operator</dt><dd class="mono" data-testid="supplier-operator">${view.operator}</dd>
    <dt>Endpoint</dt><dd class="mono" data-testid="supplier-endpoint">${view.endpoint}</dd>
    <dt>Unbonding released at session</dt><dd>${view.unbonding > 0n ? view.releaseSession.toString() : "—"}</dd>
  </dl>
</div>
<h2>Offers</h2>
${
  view.offers.length === 0
    ? html`<p class="empty">No offers.</p>`
    : html`<table>
  <thead><tr><th>Model</th><th class="num">Input price</th><th class="num">Output price</th><th class="num">From session</th><th>Active</th></tr></thead>
  <tbody>${view.offers.map(
    (offer) => html`<tr data-testid="offer-row" data-model-id="${offer.model}">
    <td><a href="/models/${offer.model}">${offer.modelName ?? offer.model}</a></td>
    ${
      offer.modelKind === "image"
        ? html`<td class="num muted">—</td>
    <td class="num">${formatImagePrice(offer.outputPrice, "offer-output-price")}</td>`
        : html`<td class="num">${formatPrice(offer.inputPrice, "offer-input-price")}</td>
    <td class="num">${formatPrice(offer.outputPrice, "offer-output-price")}</td>`
    }
    <td class="num">${offer.effectiveSession.toString()}</td>
    <td>${offer.active ? "yes" : "removed"}</td>
  </tr>`,
  )}</tbody>
</table>`
}
<h2>Measured by gateways</h2>
${
  view.measurements.length === 0
    ? html`<p class="empty" data-testid="measurements-empty">No reachable gateway has measured this supplier yet.</p>`
    : html`<table>
  <thead><tr><th>Gateway</th><th class="num">Reputation</th><th class="num">TTFT</th><th class="num">Tokens/s</th><th class="num">Latency</th>
    <th class="num">Error rate</th><th class="num">Successes</th><th class="num">Failures</th><th>Probation</th></tr></thead>
  <tbody>${view.measurements.map(
    (entry) => html`<tr data-testid="measurement-row">
    <td class="mono">${entry.gateway}</td>
    <td class="num" data-testid="measurement-reputation">${formatMeasure(entry.reputation, "", 1)}</td>
    <td class="num" data-testid="measurement-ttft">${formatMeasure(entry.ttftMs, "ms")}</td>
    <td class="num" data-testid="measurement-tokens-per-second">${formatMeasure(entry.tokensPerSecond, "", 1)}</td>
    <td class="num" data-testid="measurement-latency">${formatMeasure(entry.latencyMs, "ms")}</td>
    <td class="num">${formatRatio(entry.errorRate)}</td>
    <td class="num">${formatMeasure(entry.successes)}</td>
    <td class="num">${formatMeasure(entry.failures)}</td>
    <td>${entry.probation ? html`<span class="badge probation">probation</span>` : "no"}</td>
  </tr>`,
  )}</tbody>
</table>
${
  view.measurements.some((entry) => entry.evaluation)
    ? html`<h2>Evaluation</h2>
<div class="table-wrap"><table>
  <thead><tr><th>Gateway</th>${evaluationHeaders}</tr></thead>
  <tbody>${view.measurements
    .filter((entry) => entry.evaluation)
    .map(
      (entry) =>
        html`<tr data-testid="evaluation-row"><td class="mono">${entry.gateway}</td>${renderEvaluationCells(entry.evaluation)}</tr>`,
    )}</tbody>
</table></div>`
    : ""
}`
}
${
  view.evidence.length === 0
    ? ""
    : html`<h2>Evidence published by gateways</h2>
<table>
  <thead><tr><th>When</th><th>Gateway</th><th>Model</th><th>Kind</th><th>Check</th><th>Detail</th><th>Relay</th></tr></thead>
  <tbody>${view.evidence.map(
    (entry) => html`<tr data-testid="evidence-row">
    <td class="muted">${String(entry.createdAt)}</td><td class="mono">${entry.gateway}</td><td>${entry.model}</td>
    <td>${entry.kind}</td><td>${entry.check}</td><td>${entry.detail ?? ""}</td>
    <td>${entry.relayKey ? formatShort(entry.relayKey) : "—"}</td>
  </tr>`,
  )}</tbody>
</table>`
}
<h2>Image audits</h2>
${
  view.imageAudits.length === 0
    ? html`<p class="empty" data-testid="image-audits-empty">No image audits yet.</p>`
    : html`<div class="audit-renders">${view.imageAudits.map(
        (
          audit,
        ) => html`<figure class="card audit-render" data-testid="image-audit" data-passed="${String(audit.passed)}">
  <div class="audit-pair">
    <img data-testid="image-audit-supplier" alt="the supplier's render" src="data:image/png;base64,${audit.supplierImage}">
    <img data-testid="image-audit-reference" alt="the reference's render" src="data:image/png;base64,${audit.referenceImage}">
  </div>
  <figcaption>
    ${audit.passed ? html`<span class="badge passed">passed</span>` : html`<span class="badge failed">failed</span>`}
    <span class="muted">supplier | reference</span><br>
    <span data-testid="image-audit-prompt">“${audit.prompt}”</span><br>
    <span class="muted">${audit.model}, ${audit.size ?? "?"}, ${audit.steps?.toString() ?? "?"} steps, seed ${audit.seed?.toString() ?? "?"}${audit.distance === null || audit.distance === undefined ? "" : `, distance ${audit.distance.toFixed(4)}`}</span><br>
    <span class="muted">${String(audit.createdAt)} · ${audit.gateway}</span>
  </figcaption>
</figure>`,
      )}</div>`
}
<h2>Slashes</h2>
${renderSlashesTable(view.slashes)}
${
  view.equivocations.length === 0
    ? ""
    : html`<h2>Equivocations reported</h2>
<table>
  <thead><tr><th>Relay</th><th>Reporter</th><th class="num">Slashed</th><th class="num">Reward</th><th class="num">Block</th></tr></thead>
  <tbody>${view.equivocations.map(
    (report) => html`<tr data-testid="equivocation-row">
    <td>${formatShort(report.relayKey)}</td><td>${formatShort(report.reporter)}</td>
    <td class="num">${formatAvy(report.slashed)}</td><td class="num">${formatAvy(report.reward)}</td><td class="num">${report.block.toString()}</td>
  </tr>`,
  )}</tbody>
</table>`
}
<section class="charts">
  ${renderBarChart({
    title: "Earned per session (AVY)",
    testId: "chart-supplier-earned",
    color: "var(--ok)",
    bars: view.activity.map((entry) => ({
      label: entry.session.toString(),
      value: entry.earned,
      display: formatAvyShort(entry.earned),
    })),
  })}
</section>
<h2>Claims</h2>
${renderClaimsTable(view.claims, { supplier: false })}`;
  return renderLayout({
    title: `Supplier ${view.address.slice(0, 10)}…`,
    page: "suppliers",
    chain,
    api: `/api/suppliers/${view.address}`,
    body,
  });
}
