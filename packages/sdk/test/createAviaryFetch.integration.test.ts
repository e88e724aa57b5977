// The official `openai` client over createAviaryFetch, against anvil with the real contracts and two real
// supplier nodes on the generated test model: chat (plain and streamed), completions, the model list, errors;
// plus the chain actions the setup did not already exercise.
import { decodeReceiptHeader } from "@aviary/protocol";
import { startTestNetwork, type TestNetwork, testModelName } from "@aviary/testkit/direct-network";
import OpenAI from "openai";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getApplicationStake } from "../src/actions/getApplicationStake.ts";
import { getClaim } from "../src/actions/getClaim.ts";
import { getCurrentSession } from "../src/actions/getCurrentSession.ts";
import { getSupplierOffer } from "../src/actions/getSupplierOffer.ts";
import { listModels } from "../src/actions/listModels.ts";
import { undelegateGateway } from "../src/actions/undelegateGateway.ts";
import { createAviaryFetch } from "../src/createAviaryFetch.ts";
import { discoverSuppliers } from "../src/discovery/discoverSuppliers.ts";
import { SupplierDirectory } from "../src/discovery/SupplierDirectory.ts";

let network: TestNetwork;
let openai: OpenAI;

const prices = [
  { inputPrice: 10n ** 12n, outputPrice: 3n * 10n ** 12n },
  { inputPrice: 2n * 10n ** 12n, outputPrice: 2n * 10n ** 12n },
];

beforeAll(async () => {
  network = await startTestNetwork(prices);
  const aviaryFetch = createAviaryFetch({
    account: privateKeyToAccount(network.application.privateKey),
    chain: network.chain,
  });
  openai = new OpenAI({
    apiKey: "unused",
    baseURL: "http://aviary.local/v1",
    fetch: aviaryFetch,
    maxRetries: 0,
  });
});

afterAll(async () => {
  await network?.stop();
});

describe("createAviaryFetch with the openai client", () => {
  it("chat: content and usage, with the verified receipt and the supplier in the headers", async () => {
    const { data, response } = await openai.chat.completions
      .create({
        model: testModelName,
        messages: [{ role: "user", content: "Hello there" }],
        max_tokens: 8,
        temperature: 0,
      })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(typeof data.choices[0]?.message.content).toBe("string");
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBeLessThanOrEqual(8);
    // The receipt bills exactly the runtime's counts: the signed maxCost was high enough not to cut them.
    const { receipt } = decodeReceiptHeader(response.headers.get("aviary-receipt"));
    expect(receipt.inputUnits).toBe(BigInt(data.usage?.prompt_tokens ?? -1));
    expect(receipt.outputUnits).toBe(BigInt(data.usage?.completion_tokens ?? -1));
    expect(network.suppliers.map((supplier) => supplier.owner.address)).toContain(
      response.headers.get("aviary-supplier"),
    );
  });

  it("chat streamed: chunks in order, then the final usage chunk with stream_options.include_usage", async () => {
    const stream = await openai.chat.completions.create({
      model: testModelName,
      messages: [{ role: "user", content: "Tell me a story" }],
      max_tokens: 12,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text.length).toBeGreaterThan(0);
    const usage = chunks.at(-1)?.usage;
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeLessThanOrEqual(12);
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it("the raw stream ends with the receipt comment and data: [DONE]", async () => {
    const response = await openai.chat.completions
      .create({
        model: testModelName,
        messages: [{ role: "user", content: "Hi" }],
        max_tokens: 4,
        stream: true,
      })
      .asResponse();
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    expect(await response.text()).toMatch(/\n\n: aviary-receipt [A-Za-z0-9_-]+\n\ndata: \[DONE\]\n\n$/);
  });

  it("completions", async () => {
    const completion = await openai.completions.create({
      model: testModelName,
      prompt: "Once upon a time",
      max_tokens: 6,
    });
    expect(completion.object).toBe("text_completion");
    expect(typeof completion.choices[0]?.text).toBe("string");
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("models: the models offered this session with the lowest prices", async () => {
    const models = await openai.models.list();
    const model = models.data.find((entry) => entry.id === testModelName) as
      | (OpenAI.Models.Model & { pricing: { prompt: string; completion: string } })
      | undefined;
    expect(model).toMatchObject({
      object: "model",
      pricing: { prompt: (10n ** 12n).toString(), completion: (2n * 10n ** 12n).toString() },
    });
    expect(model?.created).toBeGreaterThan(0);
  });

  it("relays signed by a delegated gateway for the application", async () => {
    const gatewayFetch = createAviaryFetch({
      account: privateKeyToAccount(network.gateway.privateKey),
      application: network.application.address,
      chain: network.chain,
    });
    const client = new OpenAI({
      apiKey: "unused",
      baseURL: "http://aviary.local/v1",
      fetch: gatewayFetch,
      maxRetries: 0,
    });
    const completion = await client.chat.completions.create({
      model: testModelName,
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 4,
    });
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("honours a request's own OpenRouter-style provider options, and refuses bad ones with 400", async () => {
    const second = network.suppliers[1]?.owner.address ?? "";
    for (let index = 0; index < 3; index += 1) {
      const { response } = await openai.chat.completions
        .create({
          model: testModelName,
          messages: [{ role: "user", content: "Hi" }],
          max_tokens: 2,
          provider: { only: [second] },
        } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
        .withResponse();
      expect(response.headers.get("aviary-supplier")).toBe(second);
    }
    const error = await openai.chat.completions
      .create({
        model: testModelName,
        messages: [{ role: "user", content: "Hi" }],
        provider: { sort: "fastest" },
      } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, code: "invalid_provider", param: "provider.sort" });
    const nobody = await openai.chat.completions
      .create({
        model: testModelName,
        messages: [{ role: "user", content: "Hi" }],
        provider: { max_price: { completion: "1" } },
      } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
      .catch((caught: unknown) => caught);
    expect(nobody).toMatchObject({ status: 404, code: "model_not_found", param: "provider" });
  });

  it("an unknown model: 404 model_not_found", async () => {
    const error = await openai.chat.completions
      .create({ model: "no-such-model", messages: [{ role: "user", content: "Hi" }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ status: 404, code: "model_not_found" });
  });

  it("models.retrieve: the listing's entry; an unknown id is a 404 model_not_found", async () => {
    const listed = (await openai.models.list()).data.find((entry) => entry.id === testModelName);
    const model = await openai.models.retrieve(testModelName);
    expect(model).toEqual(listed);
    expect(model.created).toBeLessThan(Date.now() / 1000 + 60); // a Unix time, not a block number
    expect(model.created).toBeGreaterThan(1_600_000_000);
    const missing = await openai.models.retrieve("no-such-model").catch((caught: unknown) => caught);
    expect(missing).toMatchObject({ status: 404, code: "model_not_found" });
  });

  it("models fallback: a model nobody offers falls back to the next in `models`, which the answer names", async () => {
    const completion = await openai.chat.completions.create({
      model: "no-such-model",
      models: ["no-such-model-either", testModelName],
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 2,
    } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
    expect(completion.model).toBe(testModelName);
    const invalid = await openai.chat.completions
      .create({
        model: testModelName,
        models: [],
        messages: [{ role: "user", content: "Hi" }],
      } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
      .catch((caught: unknown) => caught);
    expect(invalid).toMatchObject({ status: 400, code: "invalid_request", param: "models" });
  });

  it("a field no supplier supports: 400 unsupported_parameter naming it, no supplier asked", async () => {
    const before = network.suppliers.map((supplier) => supplier.proxy.requests);
    const error = await openai.chat.completions
      .create({
        model: testModelName,
        messages: [{ role: "user", content: "Hi" }],
        web_search_options: {},
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, code: "unsupported_parameter", param: "web_search_options" });
    expect((error as Error).message).toContain("`web_search_options`");
    const unknownKey = await openai.chat.completions
      .create({
        model: testModelName,
        messages: [{ role: "user", content: "Hi" }],
        provider: { quantizations: ["fp8"] },
      } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
      .catch((caught: unknown) => caught);
    expect(unknownKey).toMatchObject({
      status: 400,
      code: "invalid_provider",
      param: "provider.quantizations",
    });
    expect((unknownKey as Error).message).toContain("not implemented by Aviary");
    expect(network.suppliers.map((supplier) => supplier.proxy.requests)).toEqual(before);
  });

  it("a bad body: 400 before any supplier is asked", async () => {
    const before = network.suppliers.map((supplier) => supplier.proxy.requests);
    const error = await openai.chat.completions
      .create({ model: testModelName, messages: [] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, code: "invalid_request", param: "messages" });
    const invalidJson = await createAviaryFetch({
      account: privateKeyToAccount(network.application.privateKey),
      chain: network.chain,
    })("http://aviary.local/v1/chat/completions", { method: "POST", body: "{nope" });
    expect(invalidJson.status).toBe(400);
    expect(((await invalidJson.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
    expect(network.suppliers.map((supplier) => supplier.proxy.requests)).toEqual(before);
  });

  it("anything else: 404", async () => {
    const aviaryFetch = createAviaryFetch({
      account: privateKeyToAccount(network.application.privateKey),
      chain: network.chain,
    });
    const response = await aviaryFetch("http://aviary.local/v1/audio/speech", {
      method: "POST",
      body: "{}",
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { code: "unknown_route", type: "not_found_error" },
    });
  });
});

describe("chain actions", () => {
  it("read the session, offers, stakes, models, claims; discover the suppliers", async () => {
    const { publicClient, chain, modelId, session } = network;
    const current = await getCurrentSession(publicClient, { registry: chain.registry });
    expect(current.session).toBe(session);
    // Served while the head is below E + graceBlocks: the last head that serves it is E + 4 − 1.
    expect(current.windows.servingEnd).toBe((session + 1n) * 20n - 1n + 4n - 1n);

    const offer = await getSupplierOffer(publicClient, {
      registry: chain.registry,
      supplier: network.suppliers[1]?.owner.address ?? "0x",
      model: modelId,
    });
    expect(offer).toEqual({ active: true, ...prices[1], session });
    const before = await getSupplierOffer(publicClient, {
      registry: chain.registry,
      supplier: network.suppliers[1]?.owner.address ?? "0x",
      model: modelId,
      session: 0n, // offers take effect from the session after they were set
    });
    expect(before.active).toBe(false);

    const stake = await getApplicationStake(publicClient, {
      registry: chain.registry,
      application: network.application.address,
      session,
    });
    expect(stake.stake).toBe(1000n * 10n ** 18n);
    expect(stake.sessionStake).toBe(stake.stake);
    expect(stake.unsettledClaims).toBe(0n);

    const models = await listModels(publicClient, { registry: chain.registry });
    expect(models).toEqual([
      expect.objectContaining({
        modelId,
        name: testModelName,
        kind: "chat",
        sourceShareBps: 1000,
        source: network.actor("model-source").address,
      }),
    ]);

    const found = await discoverSuppliers({
      publicClient,
      registry: chain.registry,
      model: modelId,
      session,
      pageSize: 1,
    });
    expect(found).toEqual(
      network.suppliers.map((supplier) => ({
        address: supplier.owner.address,
        endpoint: supplier.proxy.url,
        operator: supplier.operator.address,
        inputPrice: supplier.inputPrice,
        outputPrice: supplier.outputPrice,
      })),
    );
    const directory = new SupplierDirectory({ publicClient, registry: chain.registry });
    const listed = await directory.get(modelId, session);
    expect(listed).toEqual(found);
    // What each supplier declares in GET /v1/supplier (off chain), read in the background since discovery.
    const declared = await directory.declared(modelId, listed, { wait: true });
    expect(declared.map(({ capabilities: _declared, ...onChain }) => onChain)).toEqual(found);
    for (const supplier of declared) expect(supplier.capabilities).toMatchObject({ backend: "embedded" });
    expect(
      await discoverSuppliers({ publicClient, registry: chain.registry, model: modelId, session: 0n }),
    ).toEqual([]);

    expect(
      await getClaim(publicClient, {
        settlement: chain.settlement,
        supplier: network.suppliers[0]?.owner.address ?? "0x",
        application: network.application.address,
        model: modelId,
        session,
      }),
    ).toBeNull();
  });

  it("undelegates a gateway (effective next session)", async () => {
    const { receipt } = await undelegateGateway(network.clientsOf(network.application), {
      registry: network.chain.registry,
      gateway: network.gateway.address,
    });
    expect(receipt.status).toBe("success");
  });
});
