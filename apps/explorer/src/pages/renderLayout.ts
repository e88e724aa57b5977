import type { ChainStatusView } from "../views/chainStatusView.ts";
import { type Html, html, raw } from "./html.ts";
import { styles } from "./styles.ts";

/** The pages of the nav bar. */
export type PageKey = "overview" | "models" | "suppliers" | "sessions" | "leaderboard" | "none";

const navigation: { key: PageKey; href: string; label: string }[] = [
  { key: "overview", href: "/", label: "Overview" },
  { key: "models", href: "/models", label: "Models" },
  { key: "suppliers", href: "/suppliers", label: "Suppliers" },
  { key: "sessions", href: "/sessions", label: "Sessions" },
  { key: "leaderboard", href: "/leaderboard", label: "Leaderboard" },
];

// Every 5 s, while the tab is visible, fetch the same page and swap in its <main> and chain status: the
// page stays live without a reload (scroll position kept). `?refresh=0` turns it off.
const refreshScript = `(() => {
  if (new URLSearchParams(location.search).get("refresh") === "0") return;
  setInterval(async () => {
    if (document.hidden) return;
    try {
      const response = await fetch(location.href, { headers: { accept: "text/html" } });
      if (!response.ok) return;
      const next = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const id of ["main", "chain-status"]) {
        const incoming = next.getElementById(id);
        const current = document.getElementById(id);
        if (incoming && current) current.replaceWith(incoming);
      }
    } catch {}
  }, 5000);
})();`;

export type RenderLayoutParameters = {
  title: string;
  page: PageKey;
  chain: ChainStatusView;
  /** The JSON mirror of the page, linked in the footer. */
  api?: string;
  /** Use the whole window's width (wide tables). @default false */
  wide?: boolean;
  body: Html;
};

/**
 * The frame of every page: head with the inline stylesheet, nav bar, chain status, the page, a footer
 * linking the page's JSON, and the auto-refresh script.
 *
 * @example
 * ```ts
 * renderLayout({ title: "Models", page: "models", chain, api: "/api/models", body: html`<h1>Models</h1>` });
 * ```
 */
export function renderLayout(parameters: RenderLayoutParameters): Html {
  const { chain } = parameters;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${parameters.title} · Aviary explorer</title>
<style>${raw(styles)}</style>
</head>
<body>
<header>
  <nav data-testid="nav">
    <a class="brand" href="/">Aviary explorer</a>
    ${navigation.map(
      (item) =>
        html`<a href="${item.href}" data-testid="nav-${item.key}" class="${item.key === parameters.page ? "active" : ""}">${item.label}</a>`,
    )}
  </nav>
  <div class="chain" id="chain-status" data-testid="chain-status">
    ${
      chain.head === null
        ? html`<span class="error">not synced yet</span>`
        : html`block <span data-testid="chain-head">${chain.head.toString()}</span> · session
      <span data-testid="chain-session">${chain.currentSession?.toString() ?? "—"}</span>${
        chain.blocksLeftInSession === null ? "" : html` (${chain.blocksLeftInSession.toString()} blocks left)`
      }`
    }
    ${chain.error ? html` · <span class="error" data-testid="chain-error" title="${chain.error}">chain unreachable</span>` : ""}
  </div>
</header>
<main id="main" class="${parameters.wide ? "wide" : ""}">
${parameters.body}
</main>
<footer class="${parameters.wide ? "wide" : ""}">Read from the chain's logs and the gateways' public APIs; refreshes every 5 s.${
    parameters.api ? html` JSON: <a href="${parameters.api}">${parameters.api}</a>` : ""
  }</footer>
<script>${raw(refreshScript)}</script>
</body>
</html>`;
}
