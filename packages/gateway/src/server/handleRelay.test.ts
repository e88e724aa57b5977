// The gateway's relay path on the pipeline it shares with the SDK, over two real supplier nodes behind proxies a
// test can switch: a supplier caught with a bad receipt is only a last resort afterwards (distrust, as in the
// SDK); `/v1/models` answers a Unix `created`; a `max_tokens` no application could ever pay for is a 400.

import {
  startTestNetwork,
  type TestNetwork,
  type TestSupplier,
  testModelName,
} from "@aviary/testkit/direct-network";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../config/gatewayConfig.ts";
import { type GatewayNode, startGateway } from "../startGateway.ts";

let network: TestNetwork;
let first: TestSupplier;
let second: TestSupplier;
let gateway: GatewayNode;
let apiKey: string;

beforeAll(async () => {
  network = await startTestNetwork([
    { inputPrice: 10n ** 12n, outputPrice: 3n * 10n ** 12n },
    { inputPrice: 10n ** 12n, outputPrice: 3n * 10n ** 12n },
  ]);
  [first, second] = network.suppliers as [TestSupplier, TestSupplier];
  gateway = await startGateway(
    parseGatewayConfig({
      chain: network.chain,
      gatewayKey: network.gateway.privateKey,
      applications: [network.application.address],
      server: { host: "127.0.0.1", port: 0, shutdownGraceMs: 0 },
      store: ":memory:",
      defaultMaxTokens: 8,
    }),
    { logger: pino({ level: "silent" }) },
  );
  apiKey = (await gateway.store.createKey({ name: "pipeline" })).key;
});

afterEach(async () => {
  for (const supplier of network.suppliers) await supplier.proxy.setMode("pass");
});

afterAll(async () => {
  await gateway?.stop();
  await network?.stop();
});

function chat(body: Record<string, unknown> = {}) {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: testModelName,
      messages: [{ role: "user", content: "Hello" }],
      max_tokens: 4,
      provider: { order: [first.owner.address, second.owner.address] },
      ...body,
    }),
  });
}

describe("handleRelay", () => {
  it("test_badReceipt_supplierIsOnlyALastResortAfterwards", async () => {
    await first.proxy.setMode("tamper");
    const tampered = await chat();
    expect(tampered.status).toBe(200);
    expect(tampered.headers.get("x-aviary-supplier")).toBe(second.owner.address);
    expect(tampered.headers.get("x-aviary-attempts")).toBe("2");
    await tampered.text();

    // Honest again, and named first by `provider.order`: still not asked while another supplier answers.
    await first.proxy.setMode("pass");
    const before = first.proxy.requests;
    for (let index = 0; index < 3; index += 1) {
      const response = await chat();
      expect(response.headers.get("x-aviary-supplier")).toBe(second.owner.address);
      await response.text();
    }
    expect(first.proxy.requests).toBe(before);

    // The last resort: with the other supplier down, the distrusted one serves.
    await second.proxy.setMode("down");
    const lastResort = await chat();
    expect(lastResort.status).toBe(200);
    expect(lastResort.headers.get("x-aviary-supplier")).toBe(first.owner.address);
  });

  it("test_models_created_isUnixTime", async () => {
    const response = await fetch(`${gateway.url}/v1/models`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const { data } = (await response.json()) as {
      data: { id: string; created: number; suppliers: number }[];
    };
    const model = data.find((entry) => entry.id === testModelName);
    const genesis = await network.publicClient.getBlock({ blockNumber: 0n });
    expect(model?.created).toBeGreaterThanOrEqual(Number(genesis.timestamp));
    expect(model?.created).toBeLessThan(Date.now() / 1000 + 366 * 24 * 3600);
    expect(model?.suppliers).toBe(2);
  });

  it("test_maxTokensNoApplicationCanPay_is400NamingMaxTokens", async () => {
    const response = await chat({ max_tokens: 1_000_000_000 });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: "max_tokens_too_large", param: "max_tokens", type: "invalid_request_error" },
    });
    // Nothing was sent to a supplier, nothing reserved: the next request is served.
    const next = await chat();
    expect(next.status).toBe(200);
  });
});
