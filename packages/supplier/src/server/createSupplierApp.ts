import type { RequestListener } from "node:http";
import { type OpenAiRoute, openAiError, sessionWindows } from "@aviary/protocol";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import type { Address } from "viem";
import { createRelayHandler } from "./handleRelayRequest.ts";
import { servedModelCapabilities } from "./servedModelCapabilities.ts";
import type { ServeContext } from "./serveRelay.ts";
import type { RelayContext } from "./verifyRelay.ts";

export type SupplierAppParameters = {
  relay: RelayContext;
  serve: ServeContext;
  operator: Address;
  endpoint: string;
  version: string;
  maxBodyBytes: number;
  /** Counts relays in flight, for graceful shutdown. */
  inFlight: { count: number };
  /** False once shutdown began: new relays get 503. */
  accepting: () => boolean;
};

const routes: OpenAiRoute[] = ["chat/completions", "completions", "embeddings", "images/generations"];
const relayRoutes = new Map<string, OpenAiRoute>(routes.map((route) => [`/v1/relay/${route}`, route]));

/**
 * The supplier's HTTP surface (protocol.md §4) as a `node:http` request listener:
 * `POST /v1/relay/{chat/completions|completions|embeddings|images/generations}` go straight to the relay handler on `node:http`
 * (the hot path: no Request/Response objects, measured in issue 12), everything else to the hono app of
 * {@link createSupplierApp}. Every error is OpenAI-shaped with a `code`.
 *
 * @example
 * ```ts
 * const server = createServer(createSupplierListener(parameters)).listen(8081);
 * ```
 */
export function createSupplierListener(parameters: SupplierAppParameters): RequestListener {
  const relay = createRelayHandler(parameters);
  const app = getRequestListener(createSupplierApp(parameters).fetch);
  return (request, response) => {
    if (request.method === "POST") {
      const url = request.url ?? "";
      const query = url.indexOf("?");
      const route = relayRoutes.get(query === -1 ? url : url.slice(0, query));
      if (route) return relay(route, request, response);
    }
    return app(request, response);
  };
}

/**
 * The supplier's routes other than relays, on hono: `GET /v1/supplier`, `GET /health`, `GET /metrics`, and
 * OpenAI-shaped 404s and 500s. Relays are served by {@link createSupplierListener}.
 */
export function createSupplierApp(parameters: SupplierAppParameters): Hono {
  const app = new Hono();
  const { relay: relayContext, serve: serveContext } = parameters;

  app.onError((error, context) => {
    serveContext.metrics.refusals.inc({ code: "internal_error" });
    return context.json(
      openAiError(500, "internal_error", `Internal error: ${error.message.split("\n")[0]}`),
      500,
    );
  });
  app.notFound((context) =>
    context.json(
      openAiError(
        404,
        "unknown_route",
        `No route ${context.req.method} ${context.req.path}. Relays go to POST /v1/relay/chat/completions, /v1/relay/completions, /v1/relay/embeddings or /v1/relay/images/generations.`,
      ),
      404,
    ),
  );

  app.get("/v1/supplier", (context) => {
    const session = relayContext.chain.currentSession;
    const windows = sessionWindows(session, relayContext.sessionParams);
    return context.json({
      address: relayContext.supplier,
      operator: parameters.operator,
      endpoint: parameters.endpoint,
      chainId: relayContext.domain.chainId,
      settlement: relayContext.domain.verifyingContract,
      session: {
        number: session.toString(),
        head: relayContext.chain.head.toString(),
        start: windows.start.toString(),
        end: windows.end.toString(),
        servingEnd: windows.servingEnd.toString(),
        miningSeedBlock: windows.miningSeedBlock.toString(),
        claimStart: windows.claimStart.toString(),
        claimEnd: windows.claimEnd.toString(),
        proofStart: windows.proofStart.toString(),
        proofEnd: windows.proofEnd.toString(),
        settleFrom: windows.settleFrom.toString(),
      },
      models: [...relayContext.models.values()].map((model) => ({
        name: model.name,
        modelId: model.modelId,
        inputPrice: model.inputPrice.toString(),
        outputPrice: model.outputPrice.toString(),
        routes: routes.filter((route) => model.backend.supports(route)),
        backend: model.backend.description,
        capabilities: servedModelCapabilities(model),
      })),
      version: parameters.version,
    });
  });

  app.get("/health", (context) =>
    context.json(
      { status: parameters.accepting() ? "ok" : "shutting_down", head: relayContext.chain.head.toString() },
      parameters.accepting() ? 200 : 503,
    ),
  );

  app.get("/metrics", async (context) => {
    const text = await serveContext.metrics.registry.metrics();
    return context.text(text, 200, { "content-type": serveContext.metrics.registry.contentType });
  });

  return app;
}
