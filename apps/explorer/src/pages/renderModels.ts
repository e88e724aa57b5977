import { formatUnits } from "viem";
import type { ChainStatusView } from "../views/chainStatusView.ts";
import type { ModelRow } from "../views/modelsView.ts";
import { formatAvy, formatBps, formatImagePrice, formatPrice, formatShort, type Html, html } from "./html.ts";
import { renderLayout } from "./renderLayout.ts";

/**
 * `/models`: every registered model with its digest, source and share, its suppliers' output prices (per
 * token, or per image·step for an image model), usage and what the source earned.
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
    : html`<div class="table-wrap"><table>
  <thead><tr><th>Name</th><th>Kind</th><th>Weights digest</th><th>Source</th><th class="num">Share</th>
    <th class="num">Suppliers</th><th class="num">Output price</th><th class="num">Claims</th><th class="num">Relays</th><th class="num">Paid</th><th class="num">Source earned</th></tr></thead>
  <tbody>${models.map(
    (model) => html`<tr data-testid="model-row" data-model-id="${model.id}">
    <td><a href="/models/${model.id}" data-testid="model-name">${model.name}</a></td>
    <td>${model.kind}</td>
    <td>${formatShort(model.weightsDigest, undefined, "model-digest")}</td>
    <td>${formatShort(model.source, undefined, "model-source")}</td>
    <td class="num" data-testid="model-share">${formatBps(model.sourceShareBps)}</td>
    <td class="num" data-testid="model-suppliers">${model.suppliers.toString()}</td>
    <td class="num" data-testid="model-price" data-unit="${model.priceUnit}">${renderPriceRange(model)}</td>
    <td class="num" data-testid="model-claims">${model.usage.claims.toString()}</td>
    <td class="num" data-testid="model-relays">${model.usage.relays.toString()}</td>
    <td class="num">${formatAvy(model.usage.paid)}</td>
    <td class="num">${formatAvy(model.sourceEarned, "model-source-earned")}</td>
  </tr>`,
  )}</tbody>
</table></div>`
}`;
  return renderLayout({ title: "Models", page: "models", chain, api: "/api/models", body });
}

function renderPriceRange(model: ModelRow): Html | string {
  if (!model.outputPrices) return "—";
  const { min, max } = model.outputPrices;
  const image = model.priceUnit === "image·step";
  if (min === max) return image ? formatImagePrice(min) : formatPrice(min);
  // A range in one unit: per 1K image·steps, or per 1M tokens, as the single prices are shown.
  const scale = image ? 1_000n : 1_000_000n;
  const unit = image ? "AVY / 1K image·steps" : "AVY / 1M tokens";
  return html`<span class="amount" title="${min.toString()}–${max.toString()} wei per ${model.priceUnit}">${formatUnits(min * scale, 18)}–${formatUnits(max * scale, 18)} ${unit}</span>`;
}
