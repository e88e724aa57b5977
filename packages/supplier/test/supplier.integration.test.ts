// The supplier node end to end: anvil with the real contracts, the embedded runtime on the generated test
// model, relays signed like an application would, refusals, then claim, proof and settlement paid exactly as
// the library computes.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, devnetSettlementParameters, startDevnet, token } from "@aviary/devnet";
import {
  claimAmount,
  claimKey as computeClaimKey,
  decodeReceiptHeader,
  decodeRelayHeader,
  encodeRelayHeader,
  hashRelayReceipt,
  hashRelayRequest,
  pendingSessions,
  RECEIPT_HEADER,
  RECEIPT_SSE_PREFIX,
  recoverDigestSigner,
  relayCost,
  relaySamplingSeed,
  sessionBudget,
  sessionWindows,
  settlementPayout,
  splitPayment,
} from "@aviary/protocol";
import { ensureTestModel, testModelName } from "@aviary/test-models";
import {
  actor,
  type Clients,
  clients,
  devnetChainConfig,
  devnetSessionParams,
  driveSessionToSettlement,
  type RelayTarget,
  registry,
  sendRelay,
  settlement,
  setUpNetwork,
} from "@aviary/testkit";
import pino from "pino";
import { type Address, bytesToHex, type Hex, hexToBytes, keccak256, toBytes } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSupplierConfig } from "../src/config/supplierConfig.ts";
import { type SupplierNode, startSupplier } from "../src/startSupplier.ts";

const inputPrice = 10n ** 12n;
const outputPrice = 3n * 10n ** 12n;
const sourceShareBps = 1500;

let devnet: Devnet;
let c: Clients;
let node: SupplierNode;
let target: RelayTarget;
let modelId: Hex;
const served: Hex[] = [];

const app = () => actor(devnet, "application");
const gateway = () => actor(devnet, "gateway");
const chatBody = (content: string, extra: Record<string, unknown> = {}) => ({
  model: testModelName,
  messages: [{ role: "user", content }],
  max_tokens: 8,
  temperature: 0,
  ...extra,
});

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), "aviary-supplier-"));
  const model = await ensureTestModel({ directory: join(home, "models"), preset: "tiny" });
  devnet = await startDevnet({ home, persist: false });
  c = clients(devnet);
  const owner = actor(devnet, "supplier-1");
  const operator = actor(devnet, "spare-1");
  const setup = await setUpNetwork(c, {
    source: actor(devnet, "model-source"),
    sourceShareBps,
    suppliers: [{ owner, operator, inputPrice, outputPrice }],
    gateway: gateway(),
    applications: [
      { actor: app(), stake: token(1000), delegateTo: gateway() },
      { actor: actor(devnet, "spare-2"), stake: token(100) },
    ],
    model: { name: testModelName, weightsDigest: model.sha256 },
  });
  modelId = setup.modelId;
  const config = parseSupplierConfig({
    chain: devnetChainConfig(devnet),
    supplier: owner.address,
    operatorKey: operator.privateKey,
    server: { host: "127.0.0.1", port: 0 },
    dataDir: join(home, "supplier-data"),
    models: [
      {
        name: testModelName,
        inputPrice: inputPrice.toString(),
        outputPrice: outputPrice.toString(),
        backend: { type: "embedded", path: model.path },
      },
    ],
  });
  node = await startSupplier(config, { logger: pino({ level: "silent" }) });
  target = {
    url: node.url,
    domain: { chainId: devnet.chainId, verifyingContract: devnet.contracts.settlement as Address },
    supplier: owner.address,
    model: modelId,
    session: setup.session,
    inputPrice,
    outputPrice,
  };
});

afterAll(async () => {
  await node?.stop();
  await devnet?.stop();
});

describe("supplier node", () => {
  it("describes itself at GET /v1/supplier", async () => {
    const response = await fetch(`${node.url}/v1/supplier`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { session: { number: string } };
    expect(body).toMatchObject({
      address: target.supplier,
      operator: actor(devnet, "spare-1").address,
      models: [
        {
          name: testModelName,
          modelId,
          inputPrice: inputPrice.toString(),
          outputPrice: outputPrice.toString(),
          capabilities: {
            backend: "embedded",
            tools: true,
            jsonSchema: true,
            logprobs: true,
            images: false,
            contextLength: 2048,
            dataRetention: "unspecified",
          },
        },
      ],
      version: "0.1.0",
    });
    expect(BigInt(body.session.number)).toBe(target.session);
  });

  it("serves a non-streamed relay with a receipt that binds the exact response bytes and the runtime's units", async () => {
    const { response, request, relayKey } = await sendRelay(
      target,
      app().address,
      app().privateKey,
      chatBody("Hello there"),
    );
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const body = JSON.parse(Buffer.from(bytes).toString("utf8"));
    const { receipt, signature } = decodeReceiptHeader(response.headers.get(RECEIPT_HEADER));
    expect(receipt.request).toBe(hashRelayRequest(request));
    expect(receipt.responseHash).toBe(bytesToHex(toBytes(keccak256(bytes))));
    expect(receipt.inputUnits).toBe(BigInt(body.usage.prompt_tokens));
    expect(receipt.outputUnits).toBe(BigInt(body.usage.completion_tokens));
    expect(receipt.outputUnits).toBeGreaterThan(0n);
    expect(receipt.outputUnits).toBeLessThanOrEqual(8n);
    const signer = recoverDigestSigner(
      hexToBytes(hashRelayReceipt({ domain: target.domain, receipt })),
      signature,
    );
    expect(signer).toBe(actor(devnet, "spare-1").address);
    served.push(relayKey);
  });

  it("samples a relay that names no seed with the relay's own seed (seeded replay), one that names one with it", async () => {
    const sampled = (extra: Record<string, unknown> = {}) =>
      chatBody("Tell me about rivers", { temperature: 0.9, max_tokens: 16, ...extra });
    const text = async (relay: Awaited<ReturnType<typeof sendRelay>>) => {
      expect(relay.response.status).toBe(200);
      served.push(relay.relayKey);
      const body = (await relay.response.json()) as { choices: [{ message: { content: string } }] };
      return body.choices[0].message.content;
    };
    const unseeded = await sendRelay(target, app().address, app().privateKey, sampled());
    const unseededText = await text(unseeded);
    // The same request naming the relay's seed itself: the same tokens (the gateway's replay relies on it).
    const seed = relaySamplingSeed(unseeded.relayKey);
    const seeded = await text(await sendRelay(target, app().address, app().privateKey, sampled({ seed })));
    expect(seeded).toBe(unseededText);
    // Another unseeded relay has another nonce, so another seed: users still get fresh samples.
    const again = await text(await sendRelay(target, app().address, app().privateKey, sampled()));
    expect(again).not.toBe(unseededText);
  });

  it("streams chunks as they come and puts the receipt in an SSE comment right before [DONE]", async () => {
    const { response, relayKey } = await sendRelay(
      target,
      app().address,
      gateway().privateKey, // signed by the delegated gateway
      chatBody("Tell me a story", { stream: true, stream_options: { include_usage: true }, max_tokens: 12 }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const text = await response.text();
    const receiptAt = text.indexOf(RECEIPT_SSE_PREFIX);
    expect(receiptAt).toBeGreaterThan(0);
    const before = text.slice(0, receiptAt);
    const after = text.slice(receiptAt);
    expect(after).toMatch(/^: aviary-receipt [A-Za-z0-9_-]+\n\ndata: \[DONE\]\n\n$/);
    const events = before
      .split("\n\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line.replace(/^data: /, "")));
    expect(events.length).toBeGreaterThanOrEqual(3);
    const usage = events.at(-1).usage;
    const { receipt } = decodeReceiptHeader(after.slice(RECEIPT_SSE_PREFIX.length).split("\n")[0]);
    expect(receipt.responseHash).toBe(keccak256(toBytes(before)));
    expect(receipt.outputUnits).toBe(BigInt(usage.completion_tokens));
    served.push(relayKey);
  });

  it("serves more streams, one after another, than the runtime has parallel sequences", async () => {
    for (let index = 0; index < 6; index += 1) {
      const { response, relayKey } = await sendRelay(
        target,
        app().address,
        app().privateKey,
        chatBody(`stream ${index}`, { stream: true, max_tokens: 4 }),
      );
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/: aviary-receipt [A-Za-z0-9_-]+\n\ndata: \[DONE\]\n\n$/);
      served.push(relayKey);
    }
  });

  describe("refuses, at no cost and with the right code", () => {
    const expectRefusal = async (
      result: Promise<{ response: Response }> | Promise<Response>,
      status: number,
      code: string,
    ) => {
      const awaited = await result;
      // (@hono/node-server replaces the global Response class, so no instanceof here.)
      const response = "response" in awaited ? awaited.response : awaited;
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: { code: string; message: unknown } };
      expect(body.error.code).toBe(code);
      expect(typeof body.error.message).toBe("string");
      expect(response.headers.get(RECEIPT_HEADER)).toBeNull();
    };

    it("a signature by someone the application did not delegate to", async () => {
      await expectRefusal(
        sendRelay(target, app().address, actor(devnet, "spare-2").privateKey, chatBody("x")),
        403,
        "gateway_not_delegated",
      );
    });
    it("a malformed signature", async () => {
      const { header } = await import("@aviary/testkit").then((module) =>
        module.signedRelayHeader(target, app().address, app().privateKey, JSON.stringify(chatBody("x"))),
      );
      const decoded = decodeRelayHeader(header);
      const broken = encodeRelayHeader({
        request: decoded.request,
        signature: `${decoded.signature.slice(0, -2)}05` as Hex,
      });
      await expectRefusal(
        sendRelay(target, app().address, app().privateKey, chatBody("x"), { header: broken }),
        401,
        "invalid_signature",
      );
    });
    it("a v = 0/1 signature (the contract accepts only 27/28)", async () => {
      const { signedRelayHeader } = await import("@aviary/testkit");
      const { header } = await signedRelayHeader(
        target,
        app().address,
        app().privateKey,
        JSON.stringify(chatBody("x")),
      );
      const decoded = decodeRelayHeader(header);
      const v = Number.parseInt(decoded.signature.slice(-2), 16);
      expect([27, 28]).toContain(v);
      const lowV = encodeRelayHeader({
        request: decoded.request,
        signature: `${decoded.signature.slice(0, -2)}0${v - 27}` as Hex,
      });
      await expectRefusal(
        sendRelay(target, app().address, app().privateKey, chatBody("x"), { header: lowV }),
        401,
        "invalid_signature",
      );
    });
    it("a gateway whose delegation starts only next session", async () => {
      await c.send(actor(devnet, "spare-2"), {
        ...registry(c),
        functionName: "delegate",
        args: [gateway().address],
      });
      await expectRefusal(
        sendRelay(target, actor(devnet, "spare-2").address, gateway().privateKey, chatBody("x")),
        403,
        "gateway_not_delegated",
      );
    });
    it("another supplier", async () => {
      await expectRefusal(
        sendRelay(target, app().address, app().privateKey, chatBody("x"), {
          overrides: { supplier: actor(devnet, "supplier-2").address },
        }),
        400,
        "wrong_supplier",
      );
    });
    it("a model it does not serve", async () => {
      await expectRefusal(
        sendRelay(target, app().address, app().privateKey, chatBody("x"), {
          overrides: { model: keccak256(toBytes("other")) },
        }),
        404,
        "unknown_model",
      );
    });
    it("a session that has not started", async () => {
      await expectRefusal(
        sendRelay(target, app().address, app().privateKey, chatBody("x"), {
          overrides: { session: target.session + 5n },
        }),
        400,
        "session_not_started",
      );
    });
    it("prices that are not the offer", async () => {
      await expectRefusal(
        sendRelay(target, app().address, app().privateKey, chatBody("x"), { overrides: { outputPrice: 1n } }),
        400,
        "price_mismatch",
      );
    });
    it("a tampered body", async () => {
      const signedFor = JSON.stringify(chatBody("original"));
      const { signedRelayHeader } = await import("@aviary/testkit");
      const { header } = await signedRelayHeader(target, app().address, app().privateKey, signedFor);
      await expectRefusal(
        sendRelay(target, app().address, app().privateKey, chatBody("tampered"), { header }),
        400,
        "body_hash_mismatch",
      );
    });
    it("a replayed nonce", async () => {
      const bodyText = JSON.stringify(chatBody("once"));
      const { signedRelayHeader } = await import("@aviary/testkit");
      const { header, relayKey } = await signedRelayHeader(target, app().address, app().privateKey, bodyText);
      const first = await sendRelay(target, app().address, app().privateKey, {}, { header, bodyText });
      expect(first.response.status).toBe(200);
      await first.response.arrayBuffer();
      served.push(relayKey);
      await expectRefusal(
        sendRelay(target, app().address, app().privateKey, {}, { header, bodyText }),
        409,
        "replayed_nonce",
      );
    });
    it("a maxCost beyond the application's session budget", async () => {
      await expectRefusal(
        sendRelay(target, app().address, app().privateKey, chatBody("x"), {
          overrides: { maxCost: token(600) },
        }),
        402,
        "over_budget",
      );
    });
    it("a body that is not JSON, and one that is not a chat request", async () => {
      await expectRefusal(
        sendRelay(target, app().address, app().privateKey, {}, { bodyText: "{not json" }),
        400,
        "invalid_json",
      );
      await expectRefusal(
        sendRelay(target, app().address, app().privateKey, { model: testModelName, messages: [] }),
        400,
        "invalid_request",
      );
    });
    it("an oversized body", async () => {
      const bodyText = JSON.stringify(chatBody("x".repeat(2 * 1024 * 1024)));
      await expectRefusal(
        sendRelay(target, app().address, app().privateKey, {}, { bodyText }),
        413,
        "body_too_large",
      );
    });
    it("a missing or garbled Aviary-Relay header, and unknown routes", async () => {
      await expectRefusal(
        fetch(`${node.url}/v1/relay/chat/completions`, {
          method: "POST",
          body: JSON.stringify(chatBody("x")),
        }),
        400,
        "missing_relay_header",
      );
      await expectRefusal(
        sendRelay(target, app().address, app().privateKey, chatBody("x"), { header: "%%%" }),
        400,
        "invalid_relay_header",
      );
      await expectRefusal(
        fetch(`${node.url}/v1/chat/completions`, { method: "POST", body: "{}" }),
        404,
        "unknown_route",
      );
      await expectRefusal(fetch(`${node.url}/nope`), 404, "unknown_route");
    });
    it("and is still healthy, with only the served relays recorded", async () => {
      expect((await fetch(`${node.url}/health`)).status).toBe(200);
      const recorded: Hex[] = [];
      for await (const record of node.store.readSession(target.session)) recorded.push(record.relayKey);
      expect(recorded.sort()).toEqual([...served].sort());
      const metrics = await (await fetch(`${node.url}/metrics`)).text();
      expect(metrics).toMatch(/aviary_supplier_refusals_total\{code="replayed_nonce"\} 1/);
      expect(metrics).toMatch(/aviary_supplier_relays_total/);
    });
  });

  it("serves a session up to head E + grace − 1 and refuses it from E + grace on, reading the head from the chain near the end", async () => {
    const { servingEnd, servingRefreshFrom } = sessionWindows(target.session, devnetSessionParams);
    // The node's block watcher has seen E + g − 2: from there on it asks the chain before serving.
    await c.mineTo(servingRefreshFrom);
    await expect.poll(() => node.chain.head, { timeout: 10_000, interval: 50 }).toBe(servingRefreshFrom);
    await c.mineTo(servingEnd);
    const last = await sendRelay(target, app().address, app().privateKey, chatBody("last call"));
    expect(last.response.status).toBe(200);
    await last.response.arrayBuffer();
    served.push(last.relayKey);
    // One block more, and at once (the watcher may not have polled yet): refused.
    await c.testClient.mine({ blocks: 1 });
    const late = await sendRelay(target, app().address, app().privateKey, chatBody("too late"));
    expect(late.response.status).toBe(400);
    expect(((await late.response.json()) as { error: { code: string } }).error.code).toBe("session_expired");
    expect(node.chain.head).toBeGreaterThanOrEqual(servingEnd + 1n);
  });

  it("claims, proves when required and settles: supplier, source and treasury paid exactly what the library computes", async () => {
    const records = [];
    for await (const record of node.store.readSession(target.session)) records.push(record);
    const sum = records.reduce((total, record) => total + relayCost(record), 0n);
    const owner = target.supplier;
    const source = actor(devnet, "model-source").address;
    const treasury = actor(devnet, "treasury").address;
    const before = {
      owner: await c.balanceOf(owner),
      source: await c.balanceOf(source),
      treasury: await c.balanceOf(treasury),
    };

    // An expired session is refused once its serving window is over.
    const key = computeClaimKey({
      supplier: owner,
      application: app().address,
      model: modelId,
      session: target.session,
    });
    await driveSessionToSettlement(c, target.session, [key]);
    const expired = await sendRelay(target, app().address, app().privateKey, chatBody("late"));
    expect(expired.response.status).toBe(400);
    expect(((await expired.response.json()) as { error: { code: string } }).error.code).toBe(
      "session_expired",
    );

    await expect
      .poll(
        async () =>
          (await c.publicClient.readContract({ ...settlement(c), functionName: "getClaim", args: [key] }))
            .settled,
        {
          timeout: 30_000,
          interval: 250,
        },
      )
      .toBe(true);
    const claim = await c.publicClient.readContract({
      ...settlement(c),
      functionName: "getClaim",
      args: [key],
    });
    expect(claim.root.sum).toBe(sum);
    expect(claim.root.count).toBe(BigInt(records.length));
    const amount = claimAmount(sum, 10n ** 18n);
    const stake = await c.publicClient.readContract({
      ...registry(c),
      functionName: "applicationStakeAt",
      args: [app().address, target.session],
    });
    const pay = settlementPayout({
      amount,
      total: amount,
      budget: sessionBudget(stake, pendingSessions(devnetSessionParams)),
    });
    const split = splitPayment({
      pay,
      sourceShareBps,
      protocolShareBps: devnetSettlementParameters().protocolShareBps,
    });
    expect((await c.balanceOf(owner)) - before.owner).toBe(split.toSupplier);
    expect((await c.balanceOf(source)) - before.source).toBe(split.toSource);
    expect((await c.balanceOf(treasury)) - before.treasury).toBe(split.toTreasury);
    await expect
      .poll(async () => (await node.store.sessions()).includes(target.session), { timeout: 10_000 })
      .toBe(false);
  });

  it("shuts down gracefully: a stream in flight finishes with its receipt, new relays are turned away", async () => {
    const session = (await c.publicClient.getBlockNumber()) / 20n;
    const live = { ...target, session };
    const { response } = await sendRelay(
      live,
      app().address,
      app().privateKey,
      chatBody("a long answer", { stream: true, max_tokens: 1500 }),
    );
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    const first = await reader.read();
    expect(first.done).toBe(false);
    const stopping = node.stop();
    // New relays are refused (503 shutting_down) or find the port closed.
    const late = await sendRelay(live, app().address, app().privateKey, chatBody("too late")).then(
      (result) => result.response.status,
      () => "connection refused",
    );
    expect([503, "connection refused"]).toContain(late);
    let text = Buffer.from(first.value ?? new Uint8Array()).toString();
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      text += Buffer.from(next.value).toString();
    }
    expect(text).toMatch(/: aviary-receipt [A-Za-z0-9_-]+\n\ndata: \[DONE\]\n\n$/);
    await stopping;
  });
});
