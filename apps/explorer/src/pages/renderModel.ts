import type { ChainStatusView } from "../views/chainStatusView.ts";
import type { ModelView } from "../views/modelView.ts";
import {
  formatAvy,
  formatBps,
  formatImagePrice,
  formatPrice,
  formatShort,
  formatWad,
  type Html,
  html,
} from "./html.ts";
import { renderBarChart } from "./renderBarChart.ts";
import { renderClaimsTable } from "./renderClaimsTable.ts";
import { renderLayout } from "./renderLayout.ts";
import { renderModelEvaluation } from "./renderModelEvaluation.ts";

/**
 * `/models/:id`: one model: digest, uri, source and share, usage and the source's earnings, offers, the
 * gateways' evaluation-set scores, relays per session, difficulty, latest claims.
 *
 * @example
 * ```ts
 * context.html(renderModel(view, chainStatusView(state)));
 * ```
 */
export function renderModel(view: ModelView, chain: ChainStatusView): Html {
  const body = html`<h1>Model <span data-testid="model-name">${view.name}</span></h1>
<div class="card">
  <dl class="facts">
    <dt>Model id</dt><dd class="mono" data-testid="model-id">${view.id}</dd>
    <dt>Kind</dt><dd>${view.kind}</dd>
    <dt>Weights digest</dt><dd class="mono" data-testid="model-digest">${view.weightsDigest}</dd>
    <dt>URI</dt><dd class="mono" data-testid="model-uri">${view.uri}</dd>
    <dt>Source</dt><dd class="mono" data-testid="model-source">${view.source}</dd>
    <dt>Source share</dt><dd data-testid="model-share">${formatBps(view.sourceShareBps)}</dd>
    <dt>Registered at block</dt><dd>${view.registeredAt.toString()}</dd>
    <dt>Mining probability</dt><dd data-testid="model-probability">${formatWad(view.probabilityWad)}${view.difficultyUpdated ? "" : " (initial)"}</dd>
  </dl>
</div>
<section class="stats">
  <div class="stat"><div class="label">Claims</div><div class="value" data-testid="model-claims">${view.usage.claims.toString()}</div></div>
  <div class="stat"><div class="label">Relays claimed</div><div class="value" data-testid="model-relays">${view.usage.relays.toString()}</div></div>
  <div class="stat"><div class="label">Claimed</div><div class="value">${formatAvy(view.usage.claimed)}</div></div>
  <div class="stat"><div class="label">Paid</div><div class="value">${formatAvy(view.usage.paid, "model-paid")}</div></div>
  <div class="stat"><div class="label">Source earned</div><div class="value">${formatAvy(view.sourceEarned, "model-source-earned")}</div></div>
</section>
<section class="charts">
  ${renderBarChart({
    title: "Relays claimed per session",
    testId: "chart-model-relays",
    bars: view.activity.map((entry) => ({
      label: entry.session.toString(),
      value: entry.relays,
      display: entry.relays.toString(),
    })),
  })}
</section>
<h2>Offers</h2>
${
  view.offers.length === 0
    ? html`<p class="empty">No supplier offers this model.</p>`
    : view.priceUnit === "image·step"
      ? html`<table>
  <thead><tr><th>Supplier</th><th class="num">Price per image·step</th><th class="num">From session</th><th>Active</th></tr></thead>
  <tbody>${view.offers.map(
    (offer) => html`<tr data-testid="offer-row">
    <td>${formatShort(offer.supplier, `/suppliers/${offer.supplier}`)}</td>
    <td class="num">${formatImagePrice(offer.outputPrice, "offer-image-price")}</td>
    <td class="num">${offer.effectiveSession.toString()}</td>
    <td>${offer.active ? "yes" : "removed"}</td>
  </tr>`,
  )}</tbody>
</table>`
      : html`<table>
  <thead><tr><th>Supplier</th><th class="num">Input price</th><th class="num">Output price</th><th class="num">From session</th><th>Active</th></tr></thead>
  <tbody>${view.offers.map(
    (offer) => html`<tr data-testid="offer-row">
    <td>${formatShort(offer.supplier, `/suppliers/${offer.supplier}`)}</td>
    <td class="num">${formatPrice(offer.inputPrice)}</td>
    <td class="num">${formatPrice(offer.outputPrice)}</td>
    <td class="num">${offer.effectiveSession.toString()}</td>
    <td>${offer.active ? "yes" : "removed"}</td>
  </tr>`,
  )}</tbody>
</table>`
}
${view.evaluations.map((evaluation) => renderModelEvaluation({ evaluation, testId: "model-evaluation" }))}
${
  view.difficultyUpdates.length === 0
    ? ""
    : html`<h2>Difficulty updates</h2>
<table>
  <thead><tr><th class="num">Data session</th><th class="num">Effective session</th><th class="num">Relays estimate (EMA)</th><th class="num">Mining probability</th></tr></thead>
  <tbody>${view.difficultyUpdates.map(
    (update) => html`<tr data-testid="difficulty-row">
    <td class="num">${update.dataSession.toString()}</td><td class="num">${update.effectiveSession.toString()}</td>
    <td class="num">${(Number(update.emaWad / 10n ** 14n) / 10_000).toString()}</td><td class="num">${formatWad(update.probabilityWad)}</td>
  </tr>`,
  )}</tbody>
</table>`
}
<h2>Latest claims</h2>
${renderClaimsTable(view.claims, { model: false })}`;
  return renderLayout({ title: view.name, page: "models", chain, api: `/api/models/${view.id}`, body });
}
