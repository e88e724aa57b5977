import type { ChainStatusView } from "../views/chainStatusView.ts";
import type { ModelRow } from "../views/modelsView.ts";
import { formatAvy, formatBps, formatShort, type Html, html } from "./html.ts";
import { renderLayout } from "./renderLayout.ts";

/**
 * `/models`: every registered model with its digest, source and share, usage and what the source earned.
 *
 * @example
 * ```ts
 * context.html(renderModels(modelsView(data).models, chainStatusView(state)));
 * ```
 */
export function renderModels(models: readonly ModelRow[], chain: ChainStatusView): Html {
  const body = html`<h1>Models</h1>
${
  models.length === 0
    ? html`<p class="empty" data-testid="models-empty">No model registered yet.</p>`
    : html`<table>
  <thead><tr><th>Name</th><th>Kind</th><th>Weights digest</th><th>Source</th><th class="num">Share</th>
    <th class="num">Suppliers</th><th class="num">Claims</th><th class="num">Relays</th><th class="num">Paid</th><th class="num">Source earned</th></tr></thead>
  <tbody>${models.map(
    (model) => html`<tr data-testid="model-row" data-model-id="${model.id}">
    <td><a href="/models/${model.id}" data-testid="model-name">${model.name}</a></td>
    <td>${model.kind}</td>
    <td>${formatShort(model.weightsDigest, undefined, "model-digest")}</td>
    <td>${formatShort(model.source, undefined, "model-source")}</td>
    <td class="num" data-testid="model-share">${formatBps(model.sourceShareBps)}</td>
    <td class="num">${model.suppliers.toString()}</td>
    <td class="num" data-testid="model-claims">${model.usage.claims.toString()}</td>
    <td class="num" data-testid="model-relays">${model.usage.relays.toString()}</td>
    <td class="num">${formatAvy(model.usage.paid)}</td>
    <td class="num">${formatAvy(model.sourceEarned, "model-source-earned")}</td>
  </tr>`,
  )}</tbody>
</table>`
}`;
  return renderLayout({ title: "Models", page: "models", chain, api: "/api/models", body });
}
