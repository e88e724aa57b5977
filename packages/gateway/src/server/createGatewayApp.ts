import { openAiError } from "@aviary/protocol";
import { Hono } from "hono";
import { getAddress } from "viem";
import { z } from "zod";
import type { ModelEvaluationBoard } from "../evaluation/ModelEvaluationBoard.ts";
import type { SupplierEvaluationBook } from "../evaluation/SupplierEvaluationBook.ts";
import type { ImageAuditRender, SequentialTestSnapshot } from "../integrity/GatewayIntegrity.ts";
import type { ApiKeyRecord, EvidenceRecord, GatewayStore } from "../store/GatewayStore.ts";
import { authenticateBearer } from "./authenticateBearer.ts";
import type { RelayHandlerContext } from "./handleRelay.ts";
import type { GatewayMetrics } from "./metrics.ts";

export type GatewayAppParameters = {
  relay: RelayHandlerContext;
  /** The gateway's address, shown on its public routes. */
  address: string;
  store: GatewayStore;
  metrics: GatewayMetrics;
  maxBodyBytes: number;
  /** The offered models (`createModelListing`: the same entries as `createAviaryFetch`, Unix `created`). */
  listModels: () => Promise<readonly { id: string }[]>;
  inFlight: { count: number };
  accepting: () => boolean;
  /** Per-supplier public evaluation (availability, latency percentiles, audits, billing). */
  evaluation?: SupplierEvaluationBook;
  /** Evaluation-set scores per model. */
  board?: ModelEvaluationBoard;
  /** The latest covert image audits' renders, newest first (never a user's image). */
  imageAudits?: () => readonly ImageAuditRender[];
  /** Each (supplier, model)'s accumulating-evidence test: its statistic against its threshold. */
  sequentialTests?: () => readonly SequentialTestSnapshot[];
};

const evidenceQuerySchema = z
  .object({
    supplier: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, "must be an 0x-prefixed 20-byte address")
      .optional(),
    model: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** Parses a JSON column, or gives the text back when it is not JSON. */
function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** An evidence record as published: checksummed supplier, ISO time, the JSON columns parsed. */
function publicEvidence(record: EvidenceRecord) {
  return {
    id: record.id,
    supplier: getAddress(record.supplier),
    model: record.model,
    kind: record.kind,
    check: record.check,
    detail: record.detail,
    values: parseJson(record.values),
    relayKey: record.relayKey,
    createdAt: new Date(record.createdAt).toISOString(),
    request: parseJson(record.request),
    receipt: parseJson(record.receipt),
  };
}

/**
 * The gateway's OpenAI-compatible API but for the relay routes (`/v1/chat/completions`, `/v1/completions`,
 * `/v1/embeddings`, `/v1/responses`, `/v1/images/generations` and `GET /v1/images/<id>.png`:
 * `createRelayListener`, dispatched before this app): `/v1/models` and `/v1/models/{id}`, plus `/health` and
 * `/metrics`, and the public, unauthenticated evaluation routes `/public/v1/suppliers`, `/public/v1/evidence`,
 * `/public/v1/models/evaluation`, `/public/v1/audits/images` and `/public/v1/audits/sequential`. Errors are
 * OpenAI-shaped.
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
    const auth = await authenticateBearer(parameters.store, context.req.header("authorization"));
    if (!auth.key) return context.json(auth.error, 401);
    context.set("key", auth.key);
    await next();
  });

  app.get("/v1/models", async (context) =>
    context.json({ object: "list", data: await parameters.listModels() }),
  );
  // `client.models.retrieve(id)`: the listing's entry. Names may hold slashes (`org/model`).
  app.get("/v1/models/:id{.+}", async (context) => {
    const id = context.req.param("id");
    const entry = (await parameters.listModels()).find((model) => model.id === id);
    if (entry) return context.json(entry);
    return context.json(
      openAiError(
        404,
        "model_not_found",
        `The model \`${id}\` is not offered in the current session.`,
        "model",
      ),
      404,
    );
  });

  // Public, unauthenticated: what this gateway has measured about each supplier (for explorers and
  // anyone choosing a gateway). Nothing here identifies an API key; evidence names relays, never users' prompts.
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
        ...(parameters.evaluation ? { evaluation: parameters.evaluation.evaluation(stats.address) } : {}),
      })),
    }),
  );

  // Evidence: failed audits, overbilled receipts, failed two-sample tests, with the signed relay and receipt.
  app.get("/public/v1/evidence", async (context) => {
    const query = evidenceQuerySchema.safeParse(context.req.query());
    if (!query.success) {
      const issue = query.error.issues[0];
      return context.json(
        openAiError(400, "invalid_request", `${issue?.path.join(".") || "query"}: ${issue?.message}`),
        400,
      );
    }
    const records = await parameters.store.evidence(query.data);
    return context.json({ gateway: parameters.address, evidence: records.map(publicEvidence) });
  });

  // Per model: scores of every supplier on the fixed evaluation set, run through the network.
  app.get("/public/v1/models/evaluation", (context) =>
    context.json({
      gateway: parameters.address,
      updatedAt: new Date().toISOString(),
      ...(parameters.board?.snapshot() ?? { models: [] }),
    }),
  );

  // The latest covert image audits of each supplier: its render beside the reference's (audit prompts only).
  app.get("/public/v1/audits/sequential", (context) =>
    context.json({ gateway: parameters.address, tests: parameters.sequentialTests?.() ?? [] }),
  );
  app.get("/public/v1/audits/images", (context) =>
    context.json({ gateway: parameters.address, audits: parameters.imageAudits?.() ?? [] }),
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
