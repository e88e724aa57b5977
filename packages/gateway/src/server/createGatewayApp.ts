import { type OpenAiRoute, openAiError } from "@aviary/protocol";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ApiKeyRecord, GatewayStore } from "../store/GatewayStore.ts";
import { handleRelay, type RelayHandlerContext } from "./handleRelay.ts";
import type { GatewayMetrics } from "./metrics.ts";

export type GatewayAppParameters = {
  relay: RelayHandlerContext;
  /** The gateway's address, shown on its public routes. */
  address: string;
  store: GatewayStore;
  metrics: GatewayMetrics;
  maxBodyBytes: number;
  listModels: () => Promise<unknown[]>;
  inFlight: { count: number };
  accepting: () => boolean;
};

const routes: OpenAiRoute[] = ["chat/completions", "completions", "embeddings"];

/**
 * The gateway's OpenAI-compatible API: `/v1/chat/completions`, `/v1/completions`, `/v1/embeddings`,
 * `/v1/models`, plus `/health` and `/metrics`. Errors are OpenAI-shaped.
 */
export function createGatewayApp(
  parameters: GatewayAppParameters,
): Hono<{ Variables: { key: ApiKeyRecord } }> {
  const app = new Hono<{ Variables: { key: ApiKeyRecord } }>();
  app.onError((error, context) => {
    parameters.relay.logger.error({ err: error }, "unhandled gateway error");
    return context.json(
      openAiError(500, "internal_error", `Internal error: ${error.message.split("\n")[0]}`),
      500,
    );
  });
  app.notFound((context) =>
    context.json(
      openAiError(404, "unknown_route", `No route ${context.req.method} ${context.req.path}.`),
      404,
    ),
  );

  app.use("/v1/*", async (context, next) => {
    const header = context.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      return context.json(
        openAiError(
          401,
          "invalid_api_key",
          "Missing API key: send `Authorization: Bearer <key>` (create one with `aviary gateway keys create`).",
        ),
        401,
      );
    }
    const key = await parameters.store.authenticate(match[1]);
    if (!key) return context.json(openAiError(401, "invalid_api_key", "Incorrect or revoked API key."), 401);
    context.set("key", key);
    await next();
  });

  for (const route of routes) {
    app.post(
      `/v1/${route}`,
      bodyLimit({
        maxSize: parameters.maxBodyBytes,
        onError: (context) =>
          context.json(
            openAiError(
              413,
              "body_too_large",
              `The request body is larger than ${parameters.maxBodyBytes} bytes.`,
            ),
            413,
            { connection: "close" },
          ),
      }),
      async (context) => {
        if (!parameters.accepting()) {
          return context.json(
            openAiError(503, "shutting_down", "This gateway is shutting down; retry on another replica."),
            503,
          );
        }
        parameters.inFlight.count += 1;
        parameters.metrics.inFlight.inc();
        let counted = true;
        const done = () => {
          if (!counted) return;
          counted = false;
          parameters.inFlight.count -= 1;
          parameters.metrics.inFlight.dec();
        };
        try {
          const bodyBytes = new Uint8Array(await context.req.arrayBuffer());
          const response = await handleRelay(
            parameters.relay,
            route,
            context.get("key"),
            bodyBytes,
            context.req.raw.signal,
          );
          if (!response.body || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
            done();
            return response;
          }
          context.req.raw.signal.addEventListener("abort", done, { once: true });
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
          return new Response(tracked, { status: response.status, headers: response.headers });
        } catch (error) {
          done();
          throw error;
        }
      },
    );
  }

  app.get("/v1/models", async (context) =>
    context.json({ object: "list", data: await parameters.listModels() }),
  );

  // Public, unauthenticated: what this gateway has measured about each supplier (for explorers and
  // anyone choosing a gateway). Nothing here identifies an API key or a request.
  app.get("/public/v1/suppliers", (context) =>
    context.json({
      gateway: parameters.address,
      updatedAt: new Date().toISOString(),
      suppliers: parameters.relay.book.snapshot().map((stats) => ({
        address: stats.address,
        endpoint: stats.endpoint,
        reputation: stats.reputation,
        ttftMs: stats.ttftEwmaMs,
        tokensPerSecond: stats.tokensPerSecondEwma,
        latencyMs: stats.latencyEwmaMs,
        errorRate: stats.errorRateEwma,
        successes: stats.successes,
        failures: stats.failures,
        probation: stats.probation,
      })),
    }),
  );

  app.get("/health", (context) =>
    context.json(
      { status: parameters.accepting() ? "ok" : "shutting_down", inFlight: parameters.inFlight.count },
      parameters.accepting() ? 200 : 503,
    ),
  );
  app.get("/metrics", async (context) =>
    context.text(await parameters.metrics.registry.metrics(), 200, {
      "content-type": parameters.metrics.registry.contentType,
    }),
  );
  return app;
}
