// The OpenAI features of issue 13 with the official `openai` client, on both paths an app can take: through
// the gateway, and directly with the SDK's `createAviaryFetch` (no gateway, the application's key signs).
// Tool call round trips (plain and streamed), grammar-enforced JSON output, logprobs, embeddings with the
// client's defaults (base64), `models.retrieve`, refused fields, seeded sampling. One network (anvil, the
// contracts, two supplier nodes on the embedded runtime with the random-weights test model) for the file:
// the model writes noise, so the schemas below keep its output short (enums, integers, booleans, bounded
// strings and arrays) and the checks are on shape and consistency, never on meaning.

import {
  directOpenAiClient,
  startNetworkGateway,
  startTestNetwork,
  type TestNetwork,
  testModelName,
} from "@aviary/testkit/network";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { GatewayNode } from "../src/startGateway.ts";

let network: TestNetwork;
let gateway: GatewayNode;
let gatewayClient: OpenAI;
let directClient: OpenAI;

beforeAll(async () => {
  network = await startTestNetwork({ suppliers: 2 });
  gateway = await startNetworkGateway(network, {
    routing: { maxAttempts: 2, firstByteTimeoutMs: 20_000, idleTimeoutMs: 20_000 },
    defaultMaxTokens: 32,
  });
  const apiKey = (await gateway.store.createKey({ name: "openai-client" })).key;
  gatewayClient = new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  directClient = directOpenAiClient(network, { defaultMaxTokens: 32 });
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await network?.stop();
});

type Path = { name: string; client: () => OpenAI };
const paths: Path[] = [
  { name: "through the gateway", client: () => gatewayClient },
  { name: "directly with createAviaryFetch", client: () => directClient },
];

type ChatParams = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
type Completion = OpenAI.Chat.ChatCompletion;

const weatherArguments = z.strictObject({
  city: z.enum(["Paris", "Rome"]),
  days: z.number().int().min(1).max(7),
});
const weatherTool: OpenAI.Chat.ChatCompletionFunctionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather forecast of a city",
    parameters: z.toJSONSchema(weatherArguments) as Record<string, unknown>,
    // The client's stream helper only accumulates strict tools (it parses their arguments).
    strict: true,
  },
};
const question: OpenAI.Chat.ChatCompletionMessageParam = {
  role: "user",
  content: "What is the weather in Paris?",
};

/** The one function call of a completion, its arguments parsed and validated against the tool's schema. */
function expectOneWeatherCall(completion: Completion): OpenAI.Chat.ChatCompletionMessageFunctionToolCall {
  const choice = completion.choices[0];
  expect(choice?.finish_reason).toBe("tool_calls");
  expect(choice?.message.role).toBe("assistant");
  const calls = choice?.message.tool_calls ?? [];
  expect(calls).toHaveLength(1);
  const call = calls[0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
  expect(call.type).toBe("function");
  expect(call.id).toMatch(/\S/);
  expect(call.function.name).toBe("get_weather");
  weatherArguments.parse(JSON.parse(call.function.arguments));
  return call;
}

/**
 * The second turn: the call answered by a `tool` message; the model then writes text. Its prompt is longer
 * than the first turn's (`firstPromptTokens`): the assistant call and the tool result reached the model.
 */
async function answerTheCall(
  client: OpenAI,
  call: OpenAI.Chat.ChatCompletionMessageFunctionToolCall,
  toolChoice: "none" | undefined,
  firstPromptTokens: number,
): Promise<void> {
  const { data, response } = await client.chat.completions
    .create({
      model: testModelName,
      messages: [
        question,
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: JSON.stringify({ celsius: 21, sky: "clear" }) },
      ],
      tools: [weatherTool],
      ...(toolChoice ? { tool_choice: toolChoice } : {}),
      max_tokens: 8,
      temperature: 0,
    })
    .withResponse();
  expect(response.status).toBe(200);
  const choice = data.choices[0];
  if (toolChoice === "none") {
    expect(choice?.message.tool_calls ?? []).toEqual([]);
    expect(["stop", "length"]).toContain(choice?.finish_reason);
    expect(typeof choice?.message.content).toBe("string");
  } else {
    // `auto`: the random model may call again; either way a valid assistant turn.
    expect(["stop", "length", "tool_calls"]).toContain(choice?.finish_reason);
  }
  expect(data.usage?.prompt_tokens).toBeGreaterThan(firstPromptTokens);
  expect(data.usage?.completion_tokens).toBeGreaterThan(0);
}

const petAnswer = z.strictObject({
  kind: z.enum(["cat", "dog", "bird"]),
  age: z.number().int().min(0).max(30),
  vaccinated: z.boolean(),
  name: z.string().max(8),
  tags: z
    .array(z.enum(["small", "loud", "calm"]))
    .min(1)
    .max(2),
});
const petFormat = {
  type: "json_schema",
  json_schema: {
    name: "pet",
    strict: true,
    schema: z.toJSONSchema(petAnswer) as Record<string, unknown>,
  },
} as const;

describe.each(paths)("the openai client $name", ({ client }) => {
  describe("tool calls", () => {
    it("test_toolChoiceRequired_oneValidCall_thenTheToolAnswer_aTextReply", async () => {
      const completion = await client().chat.completions.create({
        model: testModelName,
        messages: [question],
        tools: [weatherTool],
        tool_choice: "required",
        parallel_tool_calls: false,
        max_tokens: 200,
      });
      const call = expectOneWeatherCall(completion);
      expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
      await answerTheCall(client(), call, "none", completion.usage?.prompt_tokens ?? Infinity);
    });

    it("test_namedToolChoice_callsThatFunction_thenAnAutoTurnAfterTheToolMessage", async () => {
      const completion = await client().chat.completions.create({
        model: testModelName,
        messages: [question],
        tools: [
          weatherTool,
          {
            type: "function",
            function: {
              name: "get_time",
              parameters: { type: "object", properties: { utc: { type: "boolean" } }, required: ["utc"] },
              strict: true,
            },
          },
        ],
        // A named function is one call even with parallel calls allowed (the default), as OpenAI answers it.
        tool_choice: { type: "function", function: { name: "get_weather" } },
        max_tokens: 200,
      });
      await answerTheCall(
        client(),
        expectOneWeatherCall(completion),
        undefined,
        completion.usage?.prompt_tokens ?? Infinity,
      );
    });

    it("test_streamed_toolCallDeltas_finalChatCompletionHasTheCallAndUsage", async () => {
      const stream = client().chat.completions.stream({
        model: testModelName,
        messages: [question],
        tools: [weatherTool],
        tool_choice: "required",
        parallel_tool_calls: false,
        max_tokens: 200,
        stream_options: { include_usage: true },
      });
      let argumentDeltas = "";
      let toolCallChunks = 0;
      stream.on("chunk", (chunk) => {
        for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
          toolCallChunks += 1;
          argumentDeltas += delta.function?.arguments ?? "";
        }
      });
      const final = await stream.finalChatCompletion();
      const call = expectOneWeatherCall(final);
      expect(toolCallChunks).toBeGreaterThan(0);
      expect(argumentDeltas).toBe(call.function.arguments);
      expect(final.usage?.completion_tokens).toBeGreaterThan(0);
      expect(final.usage?.prompt_tokens).toBeGreaterThan(0);
      expect(final.usage?.total_tokens).toBe(
        (final.usage?.prompt_tokens ?? 0) + (final.usage?.completion_tokens ?? 0),
      );
      await answerTheCall(client(), call, "none", final.usage?.prompt_tokens ?? Infinity);
    });
  });

  describe("response_format", () => {
    it("test_jsonSchemaStrict_contentValidatesAgainstTheSchema", async () => {
      for (const temperature of [0, 1]) {
        const completion = await client().chat.completions.create({
          model: testModelName,
          messages: [{ role: "user", content: "Describe a pet." }],
          response_format: petFormat,
          temperature,
          max_tokens: 200,
        });
        const choice = completion.choices[0];
        expect(choice?.finish_reason).toBe("stop");
        petAnswer.parse(JSON.parse(choice?.message.content ?? ""));
      }
    });

    it("test_jsonSchemaStreamed_joinedDeltasValidate", async () => {
      const stream = client().chat.completions.stream({
        model: testModelName,
        messages: [{ role: "user", content: "Describe a pet." }],
        response_format: petFormat,
        temperature: 1,
        max_tokens: 200,
        stream_options: { include_usage: true },
      });
      let deltas = "";
      stream.on("content", (delta) => {
        deltas += delta;
      });
      const final = await stream.finalChatCompletion();
      expect(final.choices[0]?.finish_reason).toBe("stop");
      expect(final.choices[0]?.message.content).toBe(deltas);
      petAnswer.parse(JSON.parse(deltas));
      expect(final.usage?.completion_tokens).toBeGreaterThan(0);
    });

    it("test_jsonObject_contentParsesAsAnObject", async () => {
      // A free JSON object can run on past max_tokens with random weights: some seeds must finish.
      let finished = 0;
      for (const seed of [1, 2, 3]) {
        const completion = await client().chat.completions.create({
          model: testModelName,
          messages: [{ role: "user", content: "Answer in JSON." }],
          response_format: { type: "json_object" },
          temperature: 1,
          seed,
          max_tokens: 300,
        });
        const choice = completion.choices[0];
        if (choice?.finish_reason !== "stop") continue;
        const value: unknown = JSON.parse(choice.message.content ?? "");
        expect(typeof value === "object" && value !== null && !Array.isArray(value)).toBe(true);
        finished += 1;
      }
      expect(finished).toBeGreaterThan(0);
    });
  });

  describe("logprobs", () => {
    for (const temperature of [0, 1]) {
      it(`test_logprobsTop2_oneEntryPerToken_consistentWithTheText_temperature${temperature}`, async () => {
        const completion = await client().chat.completions.create({
          model: testModelName,
          messages: [{ role: "user", content: "Tell me a story" }],
          logprobs: true,
          top_logprobs: 2,
          temperature,
          max_tokens: 12,
        });
        const choice = completion.choices[0];
        const entries = choice?.logprobs?.content ?? [];
        expect(entries.length).toBeGreaterThan(0);
        expect(entries).toHaveLength(completion.usage?.completion_tokens ?? -1);
        expect(entries.map((entry) => entry.token).join("")).toBe(choice?.message.content);
        for (const entry of entries) {
          expect(entry.logprob).toBeLessThanOrEqual(0);
          expect(entry.bytes).toEqual([...new TextEncoder().encode(entry.token)]);
          expect(entry.top_logprobs.length).toBeGreaterThan(0);
          expect(entry.top_logprobs.length).toBeLessThanOrEqual(2);
          const alternatives = entry.top_logprobs.map((alternative) => alternative.logprob);
          expect(alternatives).toEqual([...alternatives].sort((a, b) => b - a));
          for (const logprob of alternatives) expect(logprob).toBeLessThanOrEqual(0);
          if (temperature === 0) {
            expect(entry.top_logprobs[0]?.token).toBe(entry.token);
            expect(entry.top_logprobs[0]?.logprob).toBeCloseTo(entry.logprob, 6);
          }
        }
      });
    }
  });

  it("test_logprobsStreamed_accumulatedEntriesJoinToTheContent", async () => {
    const stream = client().chat.completions.stream({
      model: testModelName,
      messages: [{ role: "user", content: "Tell me a story" }],
      logprobs: true,
      top_logprobs: 2,
      temperature: 0,
      max_tokens: 12,
      stream_options: { include_usage: true },
    });
    let chunksWithLogprobs = 0;
    stream.on("chunk", (chunk) => {
      if ((chunk.choices[0]?.logprobs?.content?.length ?? 0) > 0) chunksWithLogprobs += 1;
    });
    const final = await stream.finalChatCompletion();
    const entries = final.choices[0]?.logprobs?.content ?? [];
    expect(chunksWithLogprobs).toBeGreaterThan(0);
    expect(entries).toHaveLength(final.usage?.completion_tokens ?? -1);
    expect(entries.map((entry) => entry.token).join("")).toBe(final.choices[0]?.message.content);
    for (const entry of entries) expect(entry.top_logprobs[0]?.token).toBe(entry.token);
  });

  describe("embeddings", () => {
    it("test_clientDefaults_base64Decoded_theModelsSize_equalToFloat", async () => {
      const decoded = await client().embeddings.create({ model: testModelName, input: "hello" });
      const vector = decoded.data[0]?.embedding ?? [];
      expect(decoded.data).toHaveLength(1);
      expect(vector).toHaveLength(64); // the tiny test model's embedding size
      expect(vector.every((value) => Number.isFinite(value))).toBe(true);
      expect(vector.some((value) => value !== 0)).toBe(true);
      expect(decoded.usage.prompt_tokens).toBeGreaterThan(0);

      const float = await client().embeddings.create({
        model: testModelName,
        input: "hello",
        encoding_format: "float",
      });
      const floats = float.data[0]?.embedding ?? [];
      expect(floats).toHaveLength(vector.length);
      // base64 carries float32s: equal to the float values at float32 precision.
      for (const [index, value] of floats.entries()) expect(vector[index]).toBeCloseTo(value, 6);
    });

    it("test_dimensions8_truncatedToUnitNorm", async () => {
      const result = await client().embeddings.create({
        model: testModelName,
        input: "hello",
        dimensions: 8,
      });
      const vector = result.data[0]?.embedding ?? [];
      expect(vector).toHaveLength(8);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    });
  });

  describe("models", () => {
    it("test_retrieve_unixCreated_unknownIs404", async () => {
      const model = await client().models.retrieve(testModelName);
      expect(model).toMatchObject({ id: testModelName, object: "model" });
      const now = Date.now() / 1000;
      // A Unix time in seconds (the registration block's timestamp on anvil), not a block number.
      expect(model.created).toBeGreaterThan(now - 24 * 3600);
      expect(model.created).toBeLessThan(now + 24 * 3600);
      const listed = (await client().models.list()).data.find((entry) => entry.id === testModelName);
      expect(listed?.created).toBe(model.created);
      const missing = await client()
        .models.retrieve("no-such-model")
        .catch((caught: unknown) => caught);
      expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
      expect(missing).toMatchObject({ status: 404, code: "model_not_found" });
    });
  });

  describe("refused fields", () => {
    const base = { model: testModelName, messages: [question], max_tokens: 2 };
    for (const [field, value] of [
      ["audio", { voice: "alloy", format: "mp3" }],
      ["n", 2],
    ] as const) {
      it(`test_${field}_400NamingIt`, async () => {
        const error = await client()
          .chat.completions.create({ ...base, [field]: value } as ChatParams)
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(OpenAI.BadRequestError);
        expect(error).toMatchObject({ status: 400, param: field });
        if (field === "audio") expect(error).toMatchObject({ code: "unsupported_parameter" });
      });
    }
  });

  describe("sampling", () => {
    const story = {
      model: testModelName,
      messages: [{ role: "user" as const, content: "Tell me a story" }],
      temperature: 1,
      max_tokens: 12,
    };
    const text = async (body: ChatParams) =>
      (await client().chat.completions.create(body)).choices[0]?.message.content ?? "";

    it("test_noSeed_freshRandomness_notAllTheSame", async () => {
      const texts = [await text(story), await text(story), await text(story)];
      expect(new Set(texts).size).toBeGreaterThan(1);
    });

    it("test_seed7_twice_identical_onEitherSupplier", async () => {
      const first = await text({ ...story, seed: 7 });
      expect(first.length).toBeGreaterThan(0);
      expect(await text({ ...story, seed: 7 })).toBe(first);
      // The same model file on another node: the same text (OpenRouter-style `provider.only` pins each).
      for (const supplier of network.suppliers) {
        const pinned = { ...story, seed: 7, provider: { only: [supplier.owner.address] } } as ChatParams;
        const { data, response } = await client().chat.completions.create(pinned).withResponse();
        // The gateway names the supplier in `x-aviary-supplier`, createAviaryFetch in `aviary-supplier`.
        const servedBy = response.headers.get("x-aviary-supplier") ?? response.headers.get("aviary-supplier");
        expect(servedBy).toBe(supplier.owner.address);
        expect(data.choices[0]?.message.content).toBe(first);
      }
      expect(await text({ ...story, seed: 8 })).not.toBe(first);
    });
  });
});
