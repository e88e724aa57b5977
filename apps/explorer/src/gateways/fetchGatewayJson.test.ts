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

beforeAll(async () => {
  const app = new Hono();
  app.get("/good/public/v1/suppliers", (context) => context.json(answer));
  app.get("/bad/public/v1/suppliers", (context) => context.json({ suppliers: "many" }));
  app.get("/broken/public/v1/suppliers", (context) => context.text("oops", 500));
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
});
