import type { Context } from "hono";
import { Hono } from "hono";
import type { Logger } from "pino";
import { ExplorerBadRequestError } from "../errors.ts";
import type { Html } from "../pages/html.ts";
import { renderClaim } from "../pages/renderClaim.ts";
import { renderErrorPage } from "../pages/renderErrorPage.ts";
import { renderLeaderboard } from "../pages/renderLeaderboard.ts";
import { renderModel } from "../pages/renderModel.ts";
import { renderModels } from "../pages/renderModels.ts";
import { renderOverview } from "../pages/renderOverview.ts";
import { renderSessions } from "../pages/renderSessions.ts";
import { renderSupplier } from "../pages/renderSupplier.ts";
import { renderSuppliers } from "../pages/renderSuppliers.ts";
import { chainStatusView } from "../views/chainStatusView.ts";
import { claimView } from "../views/claimView.ts";
import { leaderboardView } from "../views/leaderboardView.ts";
import { modelsView } from "../views/modelsView.ts";
import { modelView } from "../views/modelView.ts";
import { overviewView } from "../views/overviewView.ts";
import { sessionsView } from "../views/sessionsView.ts";
import { suppliersView } from "../views/suppliersView.ts";
import { supplierView } from "../views/supplierView.ts";
import type { ExplorerData } from "../views/types.ts";
import { parseAddressParameter, parseBytes32Parameter } from "./parseParameters.ts";

export type CreateExplorerAppParameters = {
  /** The index and the gateways' answers, read on every request. */
  data: ExplorerData;
  logger: Logger;
};

/** JSON with bigints as decimal strings (token wei, block numbers). */
function json(context: Context, value: unknown, status: 200 | 400 | 404 | 500 = 200): Response {
  const body = JSON.stringify(value, (_key, entry) => (typeof entry === "bigint" ? entry.toString() : entry));
  return context.body(body, status, { "content-type": "application/json; charset=utf-8" });
}

const apiError = (context: Context, status: 400 | 404 | 500, message: string) =>
  json(context, { error: { status, message } }, status);

/**
 * The explorer's web app: server-rendered pages and their JSON mirrors.
 *
 * Pages: `/`, `/models`, `/models/:id`, `/suppliers`, `/suppliers/:address`, `/sessions`, `/claims/:key`,
 * `/leaderboard`. JSON: the same paths under `/api` (`/api/overview` for `/`), plus `/health`.
 * Malformed parameters answer 400, unknown things 404 (an HTML page, or JSON under `/api`).
 *
 * @example
 * ```ts
 * const app = createExplorerApp({ data: { state: indexer.state, gateways: poller.statuses }, logger });
 * serve({ fetch: app.fetch, port: 0 });
 * ```
 */
export function createExplorerApp(parameters: CreateExplorerAppParameters): Hono {
  const { data, logger } = parameters;
  const app = new Hono();
  const chain = () => chainStatusView(data.state);
  const page = (context: Context, content: Html, status: 200 | 400 | 404 | 500 = 200) =>
    context.html(content, status);

  app.onError((error, context) => {
    const isApi = context.req.path.startsWith("/api/");
    if (error instanceof ExplorerBadRequestError) {
      return isApi
        ? apiError(context, 400, error.shortMessage)
        : page(context, renderErrorPage(400, error.shortMessage, chain()), 400);
    }
    logger.error({ err: error, path: context.req.path }, "explorer request failed");
    const message = `Internal error: ${error.message.split("\n")[0]}`;
    return isApi
      ? apiError(context, 500, message)
      : page(context, renderErrorPage(500, message, chain()), 500);
  });
  app.notFound((context) => {
    const message = `No page ${context.req.path}.`;
    return context.req.path.startsWith("/api/")
      ? apiError(context, 404, message)
      : page(context, renderErrorPage(404, message, chain()), 404);
  });

  app.get("/health", (context) =>
    json(context, { status: data.state.lastError ? "degraded" : "ok", chain: chain() }),
  );

  app.get("/api/overview", (context) => json(context, overviewView(data)));
  app.get("/", (context) => page(context, renderOverview(overviewView(data))));

  app.get("/api/models", (context) => json(context, modelsView(data)));
  app.get("/models", (context) => page(context, renderModels(modelsView(data).models, chain())));
  app.get("/api/models/:id", (context) => {
    const id = parseBytes32Parameter("model id", context.req.param("id"));
    const view = modelView(data, id);
    return view ? json(context, view) : apiError(context, 404, `No model ${id} is registered.`);
  });
  app.get("/models/:id", (context) => {
    const id = parseBytes32Parameter("model id", context.req.param("id"));
    const view = modelView(data, id);
    return view
      ? page(context, renderModel(view, chain()))
      : page(context, renderErrorPage(404, `No model ${id} is registered.`, chain()), 404);
  });

  app.get("/api/suppliers", (context) => json(context, suppliersView(data)));
  app.get("/suppliers", (context) => page(context, renderSuppliers(suppliersView(data).suppliers, chain())));
  app.get("/api/suppliers/:address", (context) => {
    const address = parseAddressParameter("supplier address", context.req.param("address"));
    const view = supplierView(data, address);
    return view ? json(context, view) : apiError(context, 404, `No supplier ${address} has staked.`);
  });
  app.get("/suppliers/:address", (context) => {
    const address = parseAddressParameter("supplier address", context.req.param("address"));
    const view = supplierView(data, address);
    return view
      ? page(context, renderSupplier(view, chain()))
      : page(context, renderErrorPage(404, `No supplier ${address} has staked.`, chain()), 404);
  });

  app.get("/api/sessions", (context) => json(context, sessionsView(data)));
  app.get("/sessions", (context) => page(context, renderSessions(sessionsView(data).sessions, chain())));

  app.get("/api/claims/:key", (context) => {
    const key = parseBytes32Parameter("claim key", context.req.param("key"));
    const view = claimView(data, key);
    return view ? json(context, view) : apiError(context, 404, `No claim ${key} on chain.`);
  });
  app.get("/claims/:key", (context) => {
    const key = parseBytes32Parameter("claim key", context.req.param("key"));
    const view = claimView(data, key);
    return view
      ? page(context, renderClaim(view, chain()))
      : page(context, renderErrorPage(404, `No claim ${key} on chain.`, chain()), 404);
  });

  app.get("/api/leaderboard", (context) => json(context, leaderboardView(data)));
  app.get("/leaderboard", (context) => page(context, renderLeaderboard(leaderboardView(data), chain())));

  return app;
}
