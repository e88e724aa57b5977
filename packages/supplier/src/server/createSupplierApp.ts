import { type OpenAiRoute, openAiError, sessionWindows } from "@aviary/protocol";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Address } from "viem";
import { type ServeContext, serveRelay } from "./serveRelay.ts";
import type { RelayContext } from "./verifyRelay.ts";
import { verifyRelay } from "./verifyRelay.ts";

export type SupplierAppParameters = {
  relay: RelayContext;
  serve: ServeContext;
  operator: Address;
  endpoint: string;
  version: string;
  maxBodyBytes: number;
  /** Counts requests in flight, for graceful shutdown. */
  inFlight: { count: number };
  /** False once shutdown began: new relays get 503. */
  accepting: () => boolean;
};

const routes: OpenAiRoute[] = ["chat/completions", "completions", "embeddings"];

/**
 * The supplier's HTTP surface (protocol.md §4): `POST /v1/relay/{chat/completions|completions|embeddings}`,
 * `GET /v1/supplier`, `GET /health`, `GET /metrics`. Every error is OpenAI-shaped with a `code`.
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
        `No route ${context.req.method} ${context.req.path}. Relays go to POST /v1/relay/chat/completions, /v1/relay/completions or /v1/relay/embeddings.`,
      ),
      404,
    ),
  );

  for (const route of routes) {
    app.post(
      `/v1/relay/${route}`,
      bodyLimit({
        maxSize: parameters.maxBodyBytes,
        onError: (context) => {
          serveContext.metrics.refusals.inc({ code: "body_too_large" });
          // The rest of the body is not read, so the connection cannot be reused.
          return context.json(
            openAiError(
              413,
              "body_too_large",
              `The request body is larger than ${parameters.maxBodyBytes} bytes.`,
            ),
            413,
            { connection: "close" },
          );
        },
      }),
      async (context) => {
        if (!parameters.accepting()) {
          serveContext.metrics.refusals.inc({ code: "shutting_down" });
          return context.json(
            openAiError(503, "shutting_down", "This supplier is shutting down; use another."),
            503,
          );
        }
        parameters.inFlight.count += 1;
        let counted = true;
        const done = () => {
          if (counted) parameters.inFlight.count -= 1;
          counted = false;
        };
        try {
          const bodyBytes = new Uint8Array(await context.req.arrayBuffer());
          const verified = await verifyRelay(
            relayContext,
            route,
            context.req.header("aviary-relay"),
            bodyBytes,
          );
          if ("code" in verified) {
            serveContext.metrics.refusals.inc({ code: verified.code });
            done();
            return context.json(
              openAiError(verified.status, verified.code, verified.message, verified.param ?? null),
              verified.status,
            );
          }
          const response = await serveRelay(serveContext, verified, context.req.raw.signal);
          if (!response.body || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
            done();
            return response;
          }
          // Streams stay in flight until their last byte.
          const reader = response.body.getReader();
          // Counted until the last byte, or until the client cancels (then no flush would run).
          const tracked = new ReadableStream<Uint8Array>({
            async pull(controller) {
              const next = await reader.read();
              if (next.done) {
                done();
                controller.close();
              } else controller.enqueue(next.value);
            },
            cancel(reason) {
              done();
              return reader.cancel(reason);
            },
          });
          context.req.raw.signal.addEventListener("abort", done, { once: true });
          return new Response(tracked, { status: response.status, headers: response.headers });
        } catch (error) {
          done();
          throw error;
        }
      },
    );
  }

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
