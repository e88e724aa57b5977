import type { ChainStatusView } from "../views/chainStatusView.ts";
import type { SupplierRow } from "../views/suppliersView.ts";
import {
  formatAvy,
  formatImagePrice,
  formatMeasure,
  formatPrice,
  formatShort,
  type Html,
  html,
} from "./html.ts";
import { renderLayout } from "./renderLayout.ts";

/**
 * `/suppliers`: every staked supplier with stake (and what claims lock of it), offers, the gateways'
 * measurements and earnings.
 *
 * @example
 * ```ts
 * context.html(renderSuppliers(suppliersView(data).suppliers, chainStatusView(state)));
 * ```
 */
export function renderSuppliers(suppliers: readonly SupplierRow[], chain: ChainStatusView): Html {
  const body = html`<h1>Suppliers</h1>
${
  suppliers.length === 0
    ? html`<p class="empty" data-testid="suppliers-empty">No supplier staked yet.</p>`
    : html`<div class="table-wrap"><table class="compact">
  <thead><tr><th>Supplier</th><th>Endpoint</th><th class="num">Stake</th><th class="num">Locked as collateral</th><th>Offers (output price)</th>
    <th class="num">Reputation</th><th class="num">TTFT</th><th class="num">Tokens/s</th><th class="num">Latency</th>
    <th class="num">Relays</th><th class="num">Earned</th></tr></thead>
  <tbody>${suppliers.map(
    (supplier) => html`<tr data-testid="supplier-row" data-address="${supplier.address}">
    <td>${formatShort(supplier.address, `/suppliers/${supplier.address}`, "supplier-address")}</td>
    <td class="mono break">${supplier.endpoint}</td>
    <td class="num">${formatAvy(supplier.stake, "supplier-stake")}</td>
    <td class="num">${formatAvy(supplier.lockedCollateral, "supplier-locked-collateral")}</td>
    <td>${supplier.offers
      .filter((offer) => offer.active)
      .map(
        (offer) =>
          html`<div><a href="/models/${offer.model}">${offer.modelName ?? offer.model.slice(0, 10)}</a>: ${offer.modelKind === "image" ? formatImagePrice(offer.outputPrice) : formatPrice(offer.outputPrice)}</div>`,
      )}</td>
    <td class="num" data-testid="supplier-reputation">${formatMeasure(supplier.measured?.reputation, "", 1)}</td>
    <td class="num" data-testid="supplier-ttft">${formatMeasure(supplier.measured?.ttftMs, "ms")}</td>
    <td class="num" data-testid="supplier-tokens-per-second">${formatMeasure(supplier.measured?.tokensPerSecond, "", 1)}</td>
    <td class="num" data-testid="supplier-latency">${formatMeasure(supplier.measured?.latencyMs, "ms")}</td>
    <td class="num">${supplier.usage.relays.toString()}</td>
    <td class="num">${formatAvy(supplier.earned, "supplier-earned")}</td>
  </tr>`,
  )}</tbody>
</table></div>`
}`;
  return renderLayout({ title: "Suppliers", page: "suppliers", chain, api: "/api/suppliers", body });
}
