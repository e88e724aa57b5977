// Hedging, session rollover and graceful shutdown of the gateway, over real supplier nodes.

import {
  startNetworkGateway,
  startTestNetwork,
  type TestNetwork,
  testModelName,
} from "@aviary/testkit/network";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayNode } from "../src/startGateway.ts";

let network: TestNetwork;
let gateway: GatewayNode;
let apiKey: string;

beforeAll(async () => {
  // Supplier 0 answers only after 1.5 s; supplier 1 at once.
  network = await startTestNetwork({ suppliers: 2, faults: [{ delayMs: 1500 }, undefined] });
  gateway = await startNetworkGateway(network, {
    server: { host: "127.0.0.1", port: 0, shutdownGraceMs: 10_000 },
    routing: { hedgeAfterMs: 200 },
    defaultMaxTokens: 16,
  });
  apiKey = (await gateway.store.createKey({ name: "hedging" })).key;
});

afterAll(async () => {
  await gateway?.stop();
  await network?.stop();
});

const slow = () => network.suppliers[0]?.owner.address ?? "";
const fast = () => network.suppliers[1]?.owner.address ?? "";

async function chat(body: Record<string, unknown>) {
  const started = performance.now();
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: testModelName,
      messages: [{ role: "user", content: "Hello" }],
      max_tokens: 6,
      ...body,
    }),
  });
  const text = await response.text();
  return { response, text, ms: performance.now() - started };
}

describe("gateway hedging", () => {
  it("answers from a second supplier when the first is slow (non-streamed and streamed)", async () => {
    const plain = await chat({ provider: { order: [slow(), fast()] } });
    expect(plain.response.status).toBe(200);
    expect(plain.response.headers.get("x-aviary-supplier")).toBe(fast());
    expect(plain.ms).toBeLessThan(1400);

    const streamed = await chat({ stream: true, provider: { order: [slow(), fast()] } });
    expect(streamed.response.status).toBe(200);
    expect(streamed.response.headers.get("x-aviary-supplier")).toBe(fast());
    expect(streamed.text.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("without a hedge, the slow supplier answers (the order is honoured)", async () => {
    const plain = await chat({ provider: { order: [slow()], allow_fallbacks: false } });
    expect(plain.response.status).toBe(200);
    expect(plain.response.headers.get("x-aviary-supplier")).toBe(slow());
  });
});

describe("gateway session rollover", () => {
  it("serves without a dip while blocks cross a session boundary", async () => {
    const client = new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const head = await network.c.publicClient.getBlockNumber();
    const boundary = (head / 20n + 1n) * 20n;
    await network.c.mineTo(boundary - 3n);
    const failures: unknown[] = [];
    for (let block = boundary - 3n; block <= boundary + 3n; block += 1n) {
      await network.c.testClient.mine({ blocks: 1 });
      await new Promise((resolve) => setTimeout(resolve, 300)); // the gateway and suppliers see the new head
      await client.chat.completions
        .create({
          model: testModelName,
          messages: [{ role: "user", content: `block ${block}` }],
          max_tokens: 4,
          provider: { order: [fast()] },
        } as never)
        .catch((error: unknown) => failures.push(error));
    }
    expect(failures).toEqual([]);
  });
});

describe("gateway streams a client abandons", () => {
  it("closes the supplier's stream and settles the key's reservation with an error usage record", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: testModelName,
        messages: [{ role: "user", content: "abandon me" }],
        max_tokens: 400,
        stream: true,
        provider: { order: [fast()] },
      }),
    });
    const reader = response.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    await expect
      .poll(
        async () =>
          (await gateway.store.usage({ limit: 50 })).some(
            (record) => record.errorCode === "client_closed_request",
          ),
        {
          timeout: 5_000,
        },
      )
      .toBe(true);
  });
});

describe("gateway shutdown", () => {
  it("finishes a stream in flight and turns new requests away", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: testModelName,
        messages: [{ role: "user", content: "long" }],
        max_tokens: 6,
        stream: true,
        provider: { order: [slow()], allow_fallbacks: false },
      }),
    });
    expect(response.status).toBe(200);
    const stopping = gateway.stop();
    const late = await chat({}).then(
      (result) => result.response.status,
      () => "connection refused",
    );
    expect([503, "connection refused"]).toContain(late);
    expect((await response.text()).endsWith("data: [DONE]\n\n")).toBe(true);
    await stopping;
  });
});
