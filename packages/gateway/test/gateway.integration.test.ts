// The gateway end to end: the official `openai` client against a gateway over three real supplier nodes
// (anvil, the contracts, the embedded runtime on the test model); failover under faults; and settlement
// afterwards matching the gateway's own records.
import { claimKey as computeClaimKey } from "@aviary/protocol";
import { driveSessionToSettlement, settlement } from "@aviary/testkit";
import {
  addresses,
  startNetworkGateway,
  startTestNetwork,
  type TestNetwork,
  testModelName,
} from "@aviary/testkit/network";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcileClaims } from "../src/reconcile/reconcileClaims.ts";
import type { GatewayNode } from "../src/startGateway.ts";

let network: TestNetwork;
let gateway: GatewayNode;
let apiKey: string;
let client: OpenAI;

beforeAll(async () => {
  // Supplier 0 is healthy (and will be killed mid-load), 1 is slow, 2 fails a third of its relays.
  network = await startTestNetwork({
    suppliers: 3,
    faults: [undefined, { delayMs: 150 }, { failRate: 0.34 }],
  });
  gateway = await startNetworkGateway(network, {
    routing: {
      strategy: "quality-price",
      maxAttempts: 3,
      firstByteTimeoutMs: 10_000,
      idleTimeoutMs: 10_000,
    },
    defaultMaxTokens: 32,
  });
  apiKey = (await gateway.store.createKey({ name: "tests" })).key;
  client = new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.stop();
  await network?.stop();
});

describe("gateway with the openai client", () => {
  it("lists the network's models with pricing", async () => {
    const models = await client.models.list();
    const model = models.data.find((entry) => entry.id === testModelName) as unknown as {
      pricing: { prompt: string; completion: string };
    };
    expect(model).toBeDefined();
    expect(model.pricing).toEqual({
      prompt: "1000000000",
      completion: "3000000000",
      unit: "token wei per token",
    });
  });

  it("answers a chat completion with usage", async () => {
    const completion = await client.chat.completions.create({
      model: testModelName,
      messages: [{ role: "user", content: "Hello" }],
      max_tokens: 8,
      temperature: 0,
    });
    expect(typeof completion.choices[0]?.message.content).toBe("string");
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it("streams a chat completion, with usage in the stream", async () => {
    const stream = await client.chat.completions.create({
      model: testModelName,
      messages: [{ role: "user", content: "Tell me a story" }],
      max_tokens: 10,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("answers completions", async () => {
    const completion = await client.completions.create({
      model: testModelName,
      prompt: "Once upon a time",
      max_tokens: 6,
    });
    expect(typeof completion.choices[0]?.text).toBe("string");
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("errors: unknown model 404, bad key 401, bad body 400, exhausted key budget 402", async () => {
    await expect(
      client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
    const stranger = new OpenAI({ apiKey: "avy_wrong", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await expect(
      stranger.chat.completions.create({ model: testModelName, messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({
      status: 401,
      code: "invalid_api_key",
    });
    await expect(
      client.chat.completions.create({ model: testModelName, messages: [] }),
    ).rejects.toMatchObject({ status: 400 });
    const poor = await gateway.store.createKey({ name: "poor", budgetWei: 1000n });
    const poorClient = new OpenAI({ apiKey: poor.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await expect(
      poorClient.chat.completions.create({
        model: testModelName,
        messages: [{ role: "user", content: "x" }],
      }),
    ).rejects.toMatchObject({
      status: 402,
      code: "insufficient_quota",
    });
  });
});

describe("failover under load", () => {
  it("every non-streamed request succeeds and every stream completes or ends with an error event; usage is exact", async () => {
    const results: { ok: boolean; stream: boolean; errorEvent?: boolean; usage?: number }[] = [];
    let sent = 0;
    let stopped: Promise<void> | undefined;
    const total = 40;
    const worker = async () => {
      for (;;) {
        const index = sent++;
        if (index >= total) return;
        if (index === 12) stopped = network.suppliers[0]?.node?.stop(); // kill the healthy one mid-run
        const stream = index % 2 === 0;
        const body = {
          model: testModelName,
          messages: [{ role: "user", content: `load ${index}` }],
          max_tokens: 6,
          stream,
          ...(stream ? { stream_options: { include_usage: true } } : {}),
        };
        const response = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        const text = await response.text();
        if (!stream) {
          const usage = response.ok
            ? (JSON.parse(text) as { usage: { completion_tokens: number } }).usage.completion_tokens
            : undefined;
          results.push({ ok: response.ok, stream, ...(usage === undefined ? {} : { usage }) });
          continue;
        }
        const done = text.endsWith("data: [DONE]\n\n");
        const errorEvent = /data: \{"error"/.test(text);
        results.push({ ok: response.ok && done, stream, errorEvent });
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    await stopped;
    const nonStreamed = results.filter((result) => !result.stream);
    expect(nonStreamed.every((result) => result.ok)).toBe(true);
    for (const result of results.filter((entry) => entry.stream))
      expect(result.ok || result.errorEvent).toBe(true);
    const records = await gateway.store.usage({ limit: 1000 });
    const okRecords = records.filter((record) => record.status === "ok");
    expect(okRecords.length).toBeGreaterThanOrEqual(nonStreamed.length);
    for (const record of okRecords) {
      expect(record.costWei).toBe(
        BigInt(record.inputTokens) * 10n ** 9n + BigInt(record.outputTokens) * 3n * 10n ** 9n,
      );
    }
  });

  it("after the session, what suppliers were paid matches the gateway's receipts", async () => {
    // The killed supplier comes back on its data: it claims what it served before the kill.
    await network.suppliers[0]?.restart();
    const session = network.session;
    const receipts = await gateway.store.receiptsFor({ session });
    expect(receipts.length).toBeGreaterThan(0);
    // Each kept receipt comes with the gateway's own request signature (evidence that the relay was ours).
    for (const receipt of receipts) expect(receipt.requestSignature).toMatch(/^0x[0-9a-f]{130}$/);
    const expected = new Map<string, { sum: bigint; count: bigint }>();
    for (const receipt of receipts) {
      const parsed = JSON.parse(receipt.receipt) as { inputUnits: string; outputUnits: string };
      const cost = BigInt(parsed.inputUnits) * 10n ** 9n + BigInt(parsed.outputUnits) * 3n * 10n ** 9n;
      const key = computeClaimKey({
        supplier: receipt.supplier as `0x${string}`,
        application: receipt.application as `0x${string}`,
        model: network.modelId,
        session,
      });
      const entry = expected.get(key) ?? { sum: 0n, count: 0n };
      expected.set(key, { sum: entry.sum + cost, count: entry.count + 1n });
    }
    await driveSessionToSettlement(network.c, session, [...expected.keys()] as `0x${string}`[]);
    for (const [key, entry] of expected) {
      const claim = await network.c.publicClient.readContract({
        ...settlement(network.c),
        functionName: "getClaim",
        args: [key as `0x${string}`],
      });
      // Every relay the gateway holds a receipt for was claimed at exactly its cost (p = 1 on the devnet).
      expect(claim.root.count).toBe(entry.count);
      expect(claim.root.sum).toBe(entry.sum);
    }
    // The gateway's own reconciliation agrees: no claim exceeds its receipts.
    const mismatches = await reconcileClaims({
      publicClient: network.c.publicClient,
      settlement: network.c.contracts.settlement,
      store: gateway.store,
      applications: addresses(network.applications),
      fromBlock: 0n,
    });
    expect(mismatches).toEqual([]);
  });
});
