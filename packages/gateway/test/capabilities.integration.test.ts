// Routing on what suppliers declare, the `provider` and `models` router fields, admission that charges the
// attempt being made, and `models.retrieve`: the official `openai` client against a gateway over three real
// supplier nodes whose declared capabilities and prices differ.
import { estimateMaxCost } from "@aviary/sdk";
import {
  inputPrice,
  outputPrice,
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
let client: OpenAI;

const tools = {
  jsonSchema: true,
  tools: true,
  logprobs: false,
  images: false,
  backend: "embedded",
} as const;
const plain = {
  tools: false,
  jsonSchema: false,
  logprobs: false,
  images: false,
  backend: "embedded",
} as const;

beforeAll(async () => {
  // 0: tools and JSON, cheap; 1: its /v1/supplier is unreadable (unknown: plain requests only), cheap;
  // 2: plain, declares zero data retention, three times the price, and (wrongly) images: its runtime reads text.
  network = await startTestNetwork({
    suppliers: 3,
    faults: [
      { capabilities: tools },
      { capabilities: "unreadable" },
      { capabilities: { ...plain, images: true, dataRetention: "none" } },
    ],
    prices: [undefined, undefined, { inputPrice: 3n * inputPrice, outputPrice: 3n * outputPrice }],
  });
  gateway = await startNetworkGateway(network, {
    routing: { maxAttempts: 3, firstByteTimeoutMs: 10_000, idleTimeoutMs: 10_000 },
    defaultMaxTokens: 16,
  });
  client = openAi((await gateway.store.createKey({ name: "capabilities" })).key);
});

afterAll(async () => {
  await gateway?.stop();
  await network?.stop();
});

const openAi = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
const address = (index: number) => network.suppliers[index]?.owner.address ?? "";
const relays = () => network.suppliers.map((supplier) => supplier.proxy?.relays() ?? 0);
const since = (before: number[]) => relays().map((count, index) => count - (before[index] ?? 0));
const messages = [{ role: "user" as const, content: "Hi" }];
type Body = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

describe("routing on declared capabilities", () => {
  it("test_tools_onlyToSuppliersDeclaringThem", async () => {
    const before = relays();
    for (const body of [
      {
        tools: [{ type: "function" as const, function: { name: "lookup", parameters: { type: "object" } } }],
      },
      { response_format: { type: "json_object" as const } },
    ]) {
      await client.chat.completions
        .create({ model: testModelName, messages, max_tokens: 8, ...body })
        .catch(() => undefined); // whatever the runtime answers: the routing is what is checked
    }
    const sent = since(before);
    expect(sent[0]).toBeGreaterThanOrEqual(2);
    expect(sent.slice(1)).toEqual([0, 0]);
  });

  it("test_plainRequest_servedByEveryone_theUnknownSupplierIncluded", async () => {
    const before = relays();
    for (const index of [1, 2]) {
      const { response } = await client.chat.completions
        .create({
          model: testModelName,
          messages,
          max_tokens: 2,
          provider: { only: [address(index)] },
        } as Body)
        .withResponse();
      expect(response.headers.get("x-aviary-supplier")).toBe(address(index));
    }
    expect(since(before)).toEqual([0, 1, 1]);
  });

  it("test_fieldNoSupplierDeclares_400UnsupportedParameterNamingIt", async () => {
    const before = relays();
    const error = await client.chat.completions
      .create({ model: testModelName, messages, logprobs: true })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, code: "unsupported_parameter", param: "logprobs" });
    expect((error as Error).message).toContain("`logprobs`");
    expect(since(before)).toEqual([0, 0, 0]);
  });
});

describe("a declaration the supplier's runtime does not keep", () => {
  it("test_refusedByTheSupplierItWasRoutedTo_aSupplierFault_notTheClients", async () => {
    const before = relays();
    const error = await client.chat.completions
      .create({
        model: testModelName,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is in it?" },
              { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            ],
          },
        ],
      })
      .catch((caught: unknown) => caught);
    // Only supplier 2 declares images; its runtime refuses the part. The request was valid and routed on that
    // declaration, so the failure is the supplier's (a 5xx), and the supplier is the only one asked.
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBeGreaterThanOrEqual(500);
    expect(since(before)).toEqual([0, 0, 1]);
  });
});

describe("provider options", () => {
  it("test_dataCollectionDeny_onlyZeroRetentionSuppliers", async () => {
    const before = relays();
    const { response } = await client.chat.completions
      .create({
        model: testModelName,
        messages,
        max_tokens: 2,
        provider: { data_collection: "deny" },
      } as Body)
      .withResponse();
    expect(response.headers.get("x-aviary-supplier")).toBe(address(2));
    expect(since(before)).toEqual([0, 0, 1]);
  });

  it.each([
    [{ quantizations: ["fp8"] }, "provider.quantizations", /not implemented by Aviary/],
    [{ zdr: true }, "provider.zdr", /data_collection/],
    [{ sort: { by: "price" } }, "provider.sort", /not implemented by Aviary/],
    [{ require_parameters: false }, "provider.require_parameters", /never drops a field/],
    [{ favourite: "x" }, "provider.favourite", /not a provider option/],
  ])("test_unknownOrUnimplementedKey_400InvalidProvider %#", async (provider, param, message) => {
    const error = await client.chat.completions
      .create({ model: testModelName, messages, provider } as Body)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, code: "invalid_provider", param });
    expect((error as Error).message).toMatch(message);
  });
});

describe("models", () => {
  it("test_modelsFallback_primaryWithoutSupplier_nextModelServesAndIsNamed", async () => {
    const completion = await client.chat.completions.create({
      model: "no-such-model",
      models: [testModelName],
      messages,
      max_tokens: 2,
    } as Body);
    expect(completion.model).toBe(testModelName);
    const nobody = await client.chat.completions
      .create({ model: "no-such-model", models: ["nor-this-one"], messages } as Body)
      .catch((caught: unknown) => caught);
    expect(nobody).toMatchObject({ status: 404, code: "model_not_found" });
  });

  it("test_modelsRetrieve_theListsEntry_unknownIs404", async () => {
    const listed = (await client.models.list()).data.find((entry) => entry.id === testModelName);
    const model = await client.models.retrieve(testModelName);
    expect(model).toEqual(listed);
    expect(model.created).toBeGreaterThan(1_600_000_000); // a Unix time, not a block number
    expect(model.created).toBeLessThan(Date.now() / 1000 + 60);
    const missing = await client.models.retrieve("no-such-model").catch((caught: unknown) => caught);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing).toMatchObject({ status: 404, code: "model_not_found" });
  });
});

describe("admission", () => {
  const body = { model: testModelName, messages, max_tokens: 4 };
  const cost = (multiple: bigint) =>
    estimateMaxCost({
      route: "chat/completions",
      body,
      inputPrice: multiple * inputPrice,
      outputPrice: multiple * outputPrice,
    }).maxCost;

  it("test_budgetCoversTheCheapestOnly_admitted_evenWithAPricierSupplierPlannedFirst", async () => {
    const { key } = await gateway.store.createKey({ name: "small", budgetWei: cost(1n) + 1n });
    const { data, response } = await openAi(key)
      .chat.completions.create({ ...body, provider: { order: [address(2)] } } as Body)
      .withResponse();
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect([address(0), address(1)]).toContain(response.headers.get("x-aviary-supplier"));
  });

  it("test_failoverToAPricierSupplierTheBudgetCannotCover_402_andTheReservationSettled", async () => {
    const budgetWei = cost(1n) + 1n;
    const { key, record } = await gateway.store.createKey({ name: "failover", budgetWei });
    const fault = network.suppliers[1]?.proxy?.fault;
    if (!fault) throw new Error("supplier 1 has no proxy");
    fault.failRate = 1; // the cheap supplier answers 500: the failover would go to the pricier one
    try {
      const error = await openAi(key)
        .chat.completions.create({
          ...body,
          provider: { order: [address(1), address(2)], only: [address(1), address(2)] },
        } as Body)
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ status: 402, code: "insufficient_quota" });
      expect((error as Error).message).toContain(`The next supplier could cost up to ${cost(3n)} token wei`);
    } finally {
      fault.failRate = 0;
    }
    // Nothing was served: the reservation is released, the whole budget is there for the next request.
    await gateway.store.flush();
    const [keyRecord] = (await gateway.store.listKeys()).filter((entry) => entry.id === record.id);
    expect(keyRecord?.spentWei).toBe(0n);
    const served = await openAi(key).chat.completions.create(body);
    expect(served.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("test_budgetBelowTheCheapest_402SaysTheCostAndWhatIsLeft", async () => {
    const budgetWei = cost(1n) - 1n;
    const { key } = await gateway.store.createKey({ name: "too small", budgetWei });
    const error = await openAi(key)
      .chat.completions.create(body)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 402, code: "insufficient_quota" });
    const message = (error as Error).message;
    expect(message).toContain(`could cost up to ${cost(1n)} token wei even at the cheapest supplier`);
    expect(message).toContain(`${budgetWei} token wei of its budget ${budgetWei} wei`);
  });
});
