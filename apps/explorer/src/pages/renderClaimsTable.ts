import type { ClaimSummary } from "../views/claimSummary.ts";
import type { ClaimStatus } from "../views/types.ts";
import { formatAvy, formatShort, type Html, html } from "./html.ts";

const statusLabels: Record<ClaimStatus, string> = {
  claimed: "claimed",
  "proof-required": "proof required",
  proven: "proven",
  settled: "settled",
  "proof-missing": "proof missing",
};

/**
 * A claim's status badge, `data-testid="<status>-badge"` (e.g. `settled-badge`).
 *
 * @example
 * ```ts
 * renderStatusBadge("proof-missing");
 * ```
 */
export function renderStatusBadge(status: ClaimStatus): Html {
  return html`<span class="badge ${status}" data-testid="${status}-badge">${statusLabels[status]}</span>`;
}

/**
 * A table of claims: key, supplier, application, model, relays, amount, proof, status and what settlement paid.
 *
 * @param columns - leave out the supplier or session column where the page is about one. @default all
 * @example
 * ```ts
 * renderClaimsTable(view.claims, { supplier: false });
 * ```
 */
export function renderClaimsTable(
  claims: readonly ClaimSummary[],
  columns: { supplier?: boolean; session?: boolean; model?: boolean } = {},
): Html {
  const show = { supplier: true, session: true, model: true, ...columns };
  if (claims.length === 0) return html`<p class="empty" data-testid="claims-empty">No claims yet.</p>`;
  return html`<table data-testid="claims-table">
  <thead><tr>
    <th>Claim</th>${show.session ? html`<th class="num">Session</th>` : ""}${show.supplier ? html`<th>Supplier</th>` : ""}
    <th>Application</th>${show.model ? html`<th>Model</th>` : ""}<th class="num">Relays</th><th class="num">Amount</th>
    <th>Proof</th><th>Status</th><th class="num">Paid</th>
  </tr></thead>
  <tbody>
  ${claims.map(
    (
      claim,
    ) => html`<tr data-testid="claim-row" data-claim-key="${claim.claimKey}" data-status="${claim.status}">
    <td>${formatShort(claim.claimKey, `/claims/${claim.claimKey}`, "claim-key")}</td>
    ${show.session ? html`<td class="num">${claim.session.toString()}</td>` : ""}
    ${show.supplier ? html`<td>${formatShort(claim.supplier, `/suppliers/${claim.supplier}`)}</td>` : ""}
    <td>${formatShort(claim.application)}</td>
    ${show.model ? html`<td><a href="/models/${claim.model}">${claim.modelName ?? claim.model.slice(0, 10)}</a></td>` : ""}
    <td class="num" data-testid="claim-relays">${claim.relays.toString()}</td>
    <td class="num">${formatAvy(claim.amount, "claim-amount")}</td>
    <td>${
      claim.proof
        ? html`proven (${claim.proof.sumRelayKey === claim.proof.countRelayKey ? "1 leaf" : "2 leaves"})`
        : claim.proofRequired === null
          ? html`<span class="muted">not drawn yet</span>`
          : claim.proofRequired
            ? "required"
            : html`<span class="muted">not required</span>`
    }</td>
    <td>${renderStatusBadge(claim.status)}</td>
    <td class="num">${
      claim.proofMissing
        ? html`<span class="muted">slashed</span> ${formatAvy(claim.proofMissing.slashed, "claim-slashed")}`
        : formatAvy(claim.settlement?.paid, "claim-paid")
    }</td>
  </tr>`,
  )}
  </tbody>
</table>`;
}
