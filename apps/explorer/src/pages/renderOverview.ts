import { formatUnits } from "viem";
import type { OverviewView } from "../views/overviewView.ts";
import { formatAvy, formatAvyShort, formatShort, type Html, html } from "./html.ts";
import { renderBarChart } from "./renderBarChart.ts";
import { renderBarList } from "./renderBarList.ts";
import { renderLayout } from "./renderLayout.ts";

const stat = (label: string, testId: string, value: Html | string) =>
  html`<div class="stat"><div class="label">${label}</div><div class="value" data-testid="${testId}">${value}</div></div>`;

/**
 * `/`: the network at a glance (stake, participants, sessions, relays, payments), charts of relays and
 * payments per session and of stake per supplier, and the gateways the explorer reads.
 *
 * @example
 * ```ts
 * context.html(renderOverview(overviewView(data)));
 * ```
 */
export function renderOverview(view: OverviewView): Html {
  const { totals, chain } = view;
  const body = html`<h1>Network overview</h1>
<section class="stats">
  ${stat("Total stake", "overview-total-stake", formatAvy(totals.totalStake))}
  ${stat("Suppliers", "overview-suppliers", totals.suppliers.toString())}
  ${stat("Applications", "overview-applications", totals.applications.toString())}
  ${stat("Gateways", "overview-gateways", totals.gateways.toString())}
  ${stat("Models", "overview-models", totals.models.toString())}
  ${stat("Current block", "overview-current-block", chain.head?.toString() ?? "—")}
  ${stat("Current session", "overview-current-session", chain.currentSession?.toString() ?? "—")}
  ${stat("Sessions with claims", "overview-sessions", totals.sessions.toString())}
  ${stat("Claims", "overview-claims", `${totals.claims} (${totals.settled} settled)`)}
  ${stat("Relays claimed", "overview-relays", totals.relays.toString())}
  ${stat("Tokens paid", "overview-tokens-paid", formatAvy(totals.paid))}
  ${stat("Paid to model sources", "overview-paid-to-sources", formatAvy(totals.toSource))}
  ${stat("Paid to suppliers", "overview-paid-to-suppliers", formatAvy(totals.toSupplier))}
  ${stat("Paid to the treasury", "overview-paid-to-treasury", formatAvy(totals.toTreasury))}
  ${stat("Proofs missing", "overview-proofs-missing", `${totals.proofsMissing}`)}
  ${stat("Slashed (missing proofs)", "overview-slashed", formatAvy(totals.slashed))}
  ${stat("Slashed (equivocation)", "overview-slashed-equivocation", formatAvy(totals.slashedForEquivocation))}
  ${stat("Locked as claim collateral", "overview-locked-collateral", formatAvy(totals.lockedCollateral))}
</section>
<section class="charts">
  ${renderBarChart({
    title: "Relays claimed per session",
    testId: "chart-relays-per-session",
    bars: view.activity.map((entry) => ({
      label: entry.session.toString(),
      value: entry.relays,
      display: entry.relays.toString(),
    })),
  })}
  ${renderBarChart({
    title: "Tokens paid per session (AVY)",
    testId: "chart-paid-per-session",
    color: "var(--ok)",
    bars: view.activity.map((entry) => ({
      label: entry.session.toString(),
      value: entry.paid,
      display: formatAvyShort(entry.paid),
    })),
  })}
  ${renderBarList({
    title: "Stake per supplier (AVY)",
    testId: "chart-stake-per-supplier",
    bars: view.stakeBySupplier.map((entry) => ({
      label: `${entry.address.slice(0, 8)}…${entry.address.slice(-4)}`,
      value: entry.stake,
      display: `${formatUnits(entry.stake, 18)} AVY`,
      href: `/suppliers/${entry.address}`,
    })),
  })}
</section>
<h2>Stake</h2>
<section class="stats">
  ${stat("Suppliers' stake", "overview-supplier-stake", formatAvy(totals.supplierStake))}
  ${stat("Applications' stake", "overview-application-stake", formatAvy(totals.applicationStake))}
  ${stat("Gateways' stake", "overview-gateway-stake", formatAvy(totals.gatewayStake))}
  ${stat("Held by the registry", "overview-total-held", formatAvy(totals.totalHeld))}
</section>
<h2>Gateways read</h2>
${
  view.gateways.length === 0
    ? html`<p class="empty">No gateway configured: measurements (TTFT, tokens/s, reputation) come from gateways' public APIs.</p>`
    : html`<table>
  <thead><tr><th>Gateway</th><th>Address</th><th>Status</th><th class="num">Suppliers measured</th><th>Updated</th></tr></thead>
  <tbody>${view.gateways.map(
    (gateway) => html`<tr data-testid="gateway-row" data-reachable="${String(gateway.reachable)}">
    <td class="mono">${gateway.url}</td>
    <td>${gateway.address ? formatShort(gateway.address) : html`<span class="muted">—</span>`}</td>
    <td>${
      gateway.reachable
        ? html`<span class="badge reachable">reachable</span>`
        : html`<span class="badge unreachable" data-testid="gateway-unreachable" title="${gateway.error ?? ""}">unreachable</span>`
    }</td>
    <td class="num">${gateway.suppliers.toString()}</td>
    <td class="muted">${gateway.updatedAt ?? "—"}</td>
  </tr>`,
  )}</tbody>
</table>`
}`;
  return renderLayout({ title: "Overview", page: "overview", chain, api: "/api/overview", body });
}
