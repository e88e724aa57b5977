// The integrity loop on its own: the Poisson schedule audits suppliers without being asked, every user relay
// of an audited model gets a billing recount, and a reference that is not the registered weights is refused.

import { GatewayConfigError, type GatewayNode, startGateway } from "@aviary/gateway";
import { EmbeddedBackend } from "@aviary/supplier";
import { ensureTestModel } from "@aviary/test-models";
import {
  networkGatewayConfig,
  startTestNetwork,
  type TestNetwork,
  testModelName,
} from "@aviary/testkit/network";
import OpenAI from "openai";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIntegrityMonitor } from "../src/createIntegrityMonitor.ts";
import { ReferenceModelDigestMismatchError } from "../src/errors.ts";
import type { IntegrityMonitor } from "../src/IntegrityMonitor.ts";
import { InflatingBackend } from "./adversaries/InflatingBackend.ts";
import { TruncatingBackend } from "./adversaries/TruncatingBackend.ts";

let network: TestNetwork;
let gateway: GatewayNode<IntegrityMonitor>;

const configFor = (network: TestNetwork, audit: Record<string, unknown>) =>
  networkGatewayConfig(network, {
    routing: { strategy: "quality-price", maxAttempts: 1, firstByteTimeoutMs: 20_000, idleTimeoutMs: 20_000 },
    defaultMaxTokens: 32,
    audit,
  });

beforeAll(async () => {
  network = await startTestNetwork({
    suppliers: 2,
    modelType: "f16",
    // Supplier 1 serves a tenth of what is asked and bills ten times that: the supplier node caps a receipt at
    // the request's maxCost, which still leaves more tokens than the short text can hold.
    backends: [
      undefined,
      async (directory) => {
        const file = await ensureTestModel({ directory, preset: "tiny", seed: 42, type: "f16" });
        const embedded = new EmbeddedBackend({
          modelPath: file.path,
          expectedSha256: file.sha256,
          sequences: 2,
          embeddings: false,
        });
        return new InflatingBackend(new TruncatingBackend(embedded, { share: 0.1 }), { factor: 10 });
      },
    ],
  });
  gateway = await startGateway(
    configFor(network, {
      enabled: true,
      models: [{ name: testModelName, referencePath: network.model.path }],
      // New suppliers are audited 4× faster: 4 audits per minute and supplier on average.
      ratePerMinute: 60,
      newSupplierBoost: 4,
      evaluationIntervalMs: null,
      distributionTest: false,
      maxTokens: { min: 8, max: 16 },
      seed: 11,
    }),
    { logger: pino({ level: process.env.AVIARY_TEST_LOG ?? "silent" }), integrity: createIntegrityMonitor },
  );
});

afterAll(async () => {
  await gateway?.stop();
  await network?.stop();
});

describe("integrity loop", () => {
  it("audits suppliers on its own schedule, through the normal relay path", async () => {
    const honest = network.suppliers[0]?.owner.address ?? "";
    const deadline = Date.now() + 30_000;
    let audits = await gateway.store.audits({ supplier: honest });
    while (audits.length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      audits = await gateway.store.audits({ supplier: honest });
    }
    expect(audits.length).toBeGreaterThanOrEqual(3);
    expect(audits.every((audit) => audit.passed && audit.kind === "audit")).toBe(true);
    // Accounted like any request, under the gateway's own key: relays the supplier signed receipts for.
    const auditKey = (await gateway.store.listKeys()).find((key) => key.name === "aviary-integrity-audits");
    const usage = await gateway.store.usage({ keyId: auditKey?.id ?? "" });
    expect(usage.filter((record) => record.status === "ok").length).toBeGreaterThanOrEqual(3);
    expect(usage.every((record) => record.relayKey === null || record.relayKey.startsWith("0x"))).toBe(true);
  });

  it("recounts every user relay: a receipt above any possible count is evidence, without the user's prompt", async () => {
    const inflater = network.suppliers[1]?.owner.address ?? "";
    const apiKey = (await gateway.store.createKey({ name: "user" })).key;
    const client = new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const secret = "my private prompt 1234";
    const completion = await client.chat.completions.create({
      model: testModelName,
      messages: [{ role: "user", content: secret }],
      max_tokens: 64,
      temperature: 0.7,
      provider: { only: [inflater] },
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const text = completion.choices[0]?.message.content ?? "";
    expect(completion.usage?.completion_tokens).toBeGreaterThan(new TextEncoder().encode(text).length + 1);
    // Audit relays publish their (synthetic) body; a user's relay never does.
    const fromUser = (record: { kind: string; request: string | null }) =>
      record.kind === "billing" && !record.request?.includes('"body"');
    const deadline = Date.now() + 10_000;
    let evidence = await gateway.store.evidence({ supplier: inflater });
    while (!evidence.some(fromUser) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      evidence = await gateway.store.evidence({ supplier: inflater });
    }
    const userEvidence = evidence.find(fromUser);
    expect(userEvidence).toMatchObject({ check: "billing-output", model: testModelName });
    expect(userEvidence?.request).not.toContain(secret);
    expect(gateway.evaluation.evaluation(inflater).billingAccuracy).toBeLessThan(1);
    expect(gateway.book.get(inflater)?.reputation ?? 100).toBeLessThan(60);
  });

  it("refuses to start with a reference that is not the registered weights, or audits without models", async () => {
    const q8 = await ensureTestModel({
      directory: network.modelsDirectory,
      preset: "tiny",
      seed: 42,
      type: "q8_0",
    });
    await expect(
      startGateway(
        configFor(network, { enabled: true, models: [{ name: testModelName, referencePath: q8.path }] }),
        { logger: pino({ level: "silent" }), integrity: createIntegrityMonitor },
      ),
    ).rejects.toBeInstanceOf(ReferenceModelDigestMismatchError);
    expect(() => configFor(network, { enabled: true, models: [] })).toThrow(GatewayConfigError);
  });
});
