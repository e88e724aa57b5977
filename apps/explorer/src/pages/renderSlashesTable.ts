import type { SlashView } from "../views/slashesView.ts";
import { formatAvy, formatShort, type Html, html } from "./html.ts";

/**
 * A table of slashes: reason, claim, relay (equivocation), amount and block, one `slash-row` each
 * (`data-reason` holds the reason). Says so when there are none.
 *
 * @param columns - leave out the claim column where the page is about one. @default all
 * @example
 * ```ts
 * renderSlashesTable(view.slashes, { claim: false });
 * ```
 */
export function renderSlashesTable(slashes: readonly SlashView[], columns: { claim?: boolean } = {}): Html {
  const show = { claim: true, ...columns };
  if (slashes.length === 0) return html`<p class="empty" data-testid="slashes-empty">No slashes.</p>`;
  return html`<table data-testid="slashes-table">
  <thead><tr><th>Reason</th>${show.claim ? html`<th>Claim</th>` : ""}<th>Relay</th><th class="num">Amount</th><th class="num">Block</th></tr></thead>
  <tbody>${slashes.map(
    (slash) => html`<tr data-testid="slash-row" data-reason="${slash.reason}">
    <td data-testid="slash-reason">${slash.reason}</td>
    ${show.claim ? html`<td>${slash.claimKey ? formatShort(slash.claimKey, `/claims/${slash.claimKey}`, "slash-claim") : html`<span class="muted">—</span>`}</td>` : ""}
    <td>${slash.relayKey ? formatShort(slash.relayKey, undefined, "slash-relay") : html`<span class="muted">—</span>`}</td>
    <td class="num">${formatAvy(slash.amount, "slash-amount")}</td>
    <td class="num" data-testid="slash-block">${slash.block.toString()}</td>
  </tr>`,
  )}</tbody>
</table>`;
}
