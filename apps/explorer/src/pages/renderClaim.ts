import type { ChainStatusView } from "../views/chainStatusView.ts";
import type { ClaimView } from "../views/claimView.ts";
import { formatAvy, formatBps, type Html, html } from "./html.ts";
import { renderStatusBadge } from "./renderClaimsTable.ts";
import { renderLayout } from "./renderLayout.ts";
import { renderSlashesTable } from "./renderSlashesTable.ts";

/**
 * `/claims/:key`: one claim: what was claimed (root, relays, amount) and the collateral it locked, its proof
 * (the leaves drawn by sum and by count), its settlement, and its slashes with their reasons.
 *
 * @example
 * ```ts
 * context.html(renderClaim(view, chainStatusView(state)));
 * ```
 */
export function renderClaim(view: ClaimView, chain: ChainStatusView): Html {
  const body = html`<h1>Claim ${renderStatusBadge(view.status)}</h1>
<div class="card">
  <dl class="facts">
    <dt>Claim key</dt><dd class="mono" data-testid="claim-key">${view.claimKey}</dd>
    <dt>Status</dt><dd data-testid="claim-status">${view.status}</dd>
    <dt>Session</dt><dd><a href="/sessions" data-testid="claim-session">${view.session.toString()}</a> (${view.sessionPhase ?? "unknown"})</dd>
    <dt>Supplier</dt><dd class="mono"><a href="/suppliers/${view.supplier}" data-testid="claim-supplier">${view.supplier}</a></dd>
    <dt>Application</dt><dd class="mono" data-testid="claim-application">${view.application}</dd>
    <dt>Model</dt><dd><a href="/models/${view.model}">${view.modelName ?? view.model}</a></dd>
    <dt>Root hash</dt><dd class="mono">${view.rootHash}</dd>
    <dt>Relays (root count)</dt><dd data-testid="claim-relays">${view.relays.toString()}</dd>
    <dt>Root sum</dt><dd>${formatAvy(view.rootSum, "claim-root-sum")}</dd>
    <dt>Amount</dt><dd>${formatAvy(view.amount, "claim-amount")}</dd>
    <dt>Collateral</dt><dd>${formatAvy(view.collateral, "claim-collateral")} <span data-testid="claim-collateral-status">${view.collateralStatus}</span></dd>
    <dt>Claimed at block</dt><dd>${view.claimedAt.toString()} <span class="mono muted">${view.claimTransaction}</span></dd>
  </dl>
</div>
<h2>Proof</h2>
<div class="card" data-testid="claim-proof">
  ${
    view.proof
      ? html`<dl class="facts">
    ${
      view.proof.sumRelayKey === view.proof.countRelayKey
        ? html`<dt>Relay drawn by sum and by count</dt><dd class="mono" data-testid="proof-sum-relay-key">${view.proof.sumRelayKey}</dd>`
        : html`<dt>Relay drawn by sum</dt><dd class="mono" data-testid="proof-sum-relay-key">${view.proof.sumRelayKey}</dd>
    <dt>Relay drawn by count</dt><dd class="mono" data-testid="proof-count-relay-key">${view.proof.countRelayKey}</dd>`
    }
    <dt>Leaves shown</dt><dd data-testid="proof-leaves">${view.proof.sumRelayKey === view.proof.countRelayKey ? "1" : "2"}</dd>
    <dt>Block</dt><dd>${view.proof.block.toString()} <span class="mono muted">${view.proof.transaction}</span></dd>
  </dl>`
      : view.proofRequired === null
        ? html`<span class="muted">Not drawn yet: the proof seed is the hash of block ${view.windows?.proofSeedBlock.toString() ?? "?"}.</span>`
        : view.proofRequired
          ? html`<span>Required${view.proofMissing ? " — missing" : ""}; proof window blocks ${view.windows?.proofStart.toString() ?? "?"}–${view.windows?.proofEnd.toString() ?? "?"}.</span>`
          : html`<span class="muted">Not required.</span>`
  }
</div>
<h2>Settlement</h2>
<div class="card" data-testid="claim-settlement">
  ${
    view.proofMissing
      ? html`<p>Required proof missing: the supplier was slashed ${formatAvy(view.proofMissing.slashed, "proof-missing-slashed")} and paid nothing.</p>`
      : ""
  }
  ${
    view.settlement
      ? html`<dl class="facts">
    <dt>Paid</dt><dd>${formatAvy(view.settlement.paid, "settlement-paid")}</dd>
    <dt>To the model source${view.sourceShareBps === null ? "" : ` (${formatBps(view.sourceShareBps)})`}</dt><dd>${formatAvy(view.settlement.toSource, "settlement-to-source")}</dd>
    <dt>To the treasury</dt><dd>${formatAvy(view.settlement.toTreasury, "settlement-to-treasury")}</dd>
    <dt>To the supplier</dt><dd>${formatAvy(view.settlement.toSupplier, "settlement-to-supplier")}</dd>
    <dt>Block</dt><dd>${view.settlement.block.toString()} <span class="mono muted">${view.settlement.transaction}</span></dd>
  </dl>`
      : html`<span class="muted">Not settled yet${view.windows ? `: settlement opens at block ${view.windows.settleFrom}` : ""}.</span>`
  }
</div>
<h2>Slashes</h2>
${renderSlashesTable(view.slashes, { claim: false })}`;
  return renderLayout({ title: "Claim", page: "sessions", chain, api: `/api/claims/${view.claimKey}`, body });
}
