import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPort } from "../../test/utils/closedPort.ts";
import { GatewayPublicApiError } from "../errors.ts";
import { fetchGatewayJson } from "./fetchGatewayJson.ts";
import { GatewayPoller } from "./GatewayPoller.ts";
import { gatewayEvidenceResponseSchema, gatewaySuppliersResponseSchema } from "./schemas.ts";

// A real HTTP server on loopback answering as gateways of various health do.
let server: ReturnType<typeof serve>;
let base: string;
let refused: string;
const answer = {
  gateway: "0x14dc79964da2c08b23698b3d3cc7ca32193d9955",
  updatedAt: "2025-01-01T00:00:00.000Z",
  suppliers: [],
};

const scores = {
  gateway: answer.gateway,
  updatedAt: answer.updatedAt,
  models: [
    {
      model: "aviary-test-model-f32",
      evaluationSet: "aviary-eval-v1",
      suppliers: [
        {
          address: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
          score: 97.25,
          passRate: 0.9,
          items: 10,
          updatedAt: "2025-01-01T00:00:00.000Z",
        },
      ],
    },
  ],
};

beforeAll(async () => {
  const app = new Hono();
  app.get("/good/public/v1/suppliers", (context) => context.json(answer));
  app.get("/bad/public/v1/suppliers", (context) => context.json({ suppliers: "many" }));
  app.get("/broken/public/v1/suppliers", (context) => context.text("oops", 500));
  // A gateway that publishes evaluation scores, and one whose evaluation route answers garbage.
  app.get("/scored/public/v1/suppliers", (context) => context.json(answer));
  app.get("/scored/public/v1/models/evaluation", (context) => context.json(scores));
  app.get("/garbled/public/v1/suppliers", (context) => context.json(answer));
  app.get("/garbled/public/v1/models/evaluation", (context) => context.json({ models: "lots" }));
  app.get("/garbled/public/v1/evidence", (context) => context.text("oops", 500));
  server = await new Promise((resolve) => {
    const instance = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(instance));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  refused = `http://127.0.0.1:${await closedPort()}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("fetchGatewayJson", () => {
  it("returns the parsed answer, or null on 404", async () => {
    const good = await fetchGatewayJson({
      gateway: `${base}/good/`,
      path: "public/v1/suppliers",
      schema: gatewaySuppliersResponseSchema,
    });
    expect(good?.gateway).toBe("0x14dC79964da2C08b23698B3D3cc7Ca32193d9955");
    expect(
      await fetchGatewayJson({
        gateway: `${base}/good/`,
        path: "public/v1/evidence",
        schema: gatewayEvidenceResponseSchema,
      }),
    ).toBeNull();
  });

  it("throws a retryable GatewayPublicApiError for errors, bad shapes and no answer", async () => {
    for (const gateway of [`${base}/bad/`, `${base}/broken/`, `${refused}/`]) {
      const error = await fetchGatewayJson({
        gateway,
        path: "public/v1/suppliers",
        schema: gatewaySuppliersResponseSchema,
        timeoutMs: 2000,
      }).catch((caught: unknown) => caught);
      expect(error, gateway).toBeInstanceOf(GatewayPublicApiError);
      expect((error as GatewayPublicApiError).isRetryable).toBe(true);
    }
  });
});

describe("GatewayPoller", () => {
  it("marks each gateway reachable or not, and never throws", async () => {
    const poller = new GatewayPoller({
      gateways: [`${base}/good`, `${base}/bad`, refused],
      logger: pino({ level: "silent" }),
    });
    await poller.poll();
    expect(poller.statuses.map((status) => status.reachable)).toEqual([true, false, false]);
    expect(poller.statuses[0]?.evidence).toBeNull();
    expect(poller.statuses[1]?.error).toMatch(/unexpected answer/);
  });

  it("keeps a gateway's evaluation scores; a missing or garbled route only hides them", async () => {
    const poller = new GatewayPoller({
      gateways: [`${base}/scored`, `${base}/garbled`, `${base}/good`],
      logger: pino({ level: "silent" }),
    });
    await poller.poll();
    const [scored, garbled, good] = poller.statuses;
    expect(scored?.reachable).toBe(true);
    expect(scored?.modelEvaluations).toEqual([
      {
        ...scores.models[0],
        suppliers: [
          { ...scores.models[0]?.suppliers[0], address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" },
        ],
      },
    ]);
    expect(garbled).toMatchObject({ reachable: true, modelEvaluations: null, evidence: null });
    expect(good).toMatchObject({ reachable: true, modelEvaluations: null });
  });
});
