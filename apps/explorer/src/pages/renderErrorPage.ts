import type { ChainStatusView } from "../views/chainStatusView.ts";
import { type Html, html } from "./html.ts";
import { renderLayout } from "./renderLayout.ts";

/**
 * A 400 or 404 page: the status, a clear message, a way back.
 *
 * @example
 * ```ts
 * context.html(renderErrorPage(404, "No route /nope.", chain), 404);
 * ```
 */
export function renderErrorPage(status: 400 | 404 | 500, message: string, chain: ChainStatusView): Html {
  const title = status === 404 ? "Not found" : status === 400 ? "Bad request" : "Error";
  const body = html`<h1>${status} · ${title}</h1>
<p class="error-box" data-testid="error-message">${message}</p>
<p><a href="/">Back to the overview</a></p>`;
  return renderLayout({ title, page: "none", chain, body });
}
