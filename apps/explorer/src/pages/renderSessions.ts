import type { ChainStatusView } from "../views/chainStatusView.ts";
import type { SessionView } from "../views/sessionsView.ts";
import { formatAvy, formatShort, type Html, html } from "./html.ts";
import { renderClaimsTable } from "./renderClaimsTable.ts";
import { renderLayout } from "./renderLayout.ts";

/**
 * `/sessions`: live sessions → claims → proofs → settlements, newest first, each with its phase, windows,
 * seeds, totals and claims with status badges.
 *
 * @example
 * ```ts
 * context.html(renderSessions(sessionsView(data).sessions, chainStatusView(state)));
 * ```
 */
export function renderSessions(sessions: readonly SessionView[], chain: ChainStatusView): Html {
  const body = html`<h1>Sessions</h1>
<p class="muted">A session's relays are claimed after its grace period, a random share of claims is proven in the
proof window, then each claim is settled: paid from the application's stake to the model source, the treasury and
the supplier, or slashed when a required proof is missing.</p>
${
  sessions.length === 0
    ? html`<p class="empty" data-testid="sessions-empty">No sessions yet.</p>`
    : sessions.map(
        (
          session,
        ) => html`<section class="card" data-testid="session-card" data-session="${session.session.toString()}">
  <h3>Session ${session.session.toString()}
    <span class="badge phase" data-testid="session-phase">${session.phase ?? "unknown"}</span>
    <span class="muted">${
      session.windows
        ? `blocks ${session.windows.start}–${session.windows.end} · claims ${session.windows.claimStart}–${session.windows.claimEnd} · proofs ${session.windows.proofStart}–${session.windows.proofEnd} · settle from ${session.windows.settleFrom}`
        : ""
    }</span>
  </h3>
  <p class="muted">${session.totals.claims} claims · ${session.totals.relays.toString()} relays · claimed ${formatAvy(session.totals.claimed)} ·
    paid ${formatAvy(session.totals.paid, "session-paid")}${
      session.proofSeed ? html` · proof seed ${formatShort(session.proofSeed)}` : ""
    }</p>
  ${session.claims.length === 0 ? html`<p class="muted">No claims (yet).</p>` : renderClaimsTable(session.claims, { session: false })}
</section>`,
      )
}`;
  return renderLayout({ title: "Sessions", page: "sessions", chain, api: "/api/sessions", body });
}
