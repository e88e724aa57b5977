// The OpenAI Responses API (`POST /v1/responses`) through the gateway, end to end: the official `openai`
// client and the Vercel AI SDK's OpenAI provider (whose default model speaks the Responses API) against a
// gateway over a real supplier node (anvil, the contracts, the embedded runtime on the random-weights test
// model). Each request is an ordinary chat/completions relay underneath: billed and receipted as one.
import { createOpenAI } from "@ai-sdk/openai";
import {
  startNetworkGateway,
  startTestNetwork,
  type TestNetwork,
  testModelName,
} from "@aviary/testkit/network";
import { generateObject, generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { GatewayNode } from "../src/startGateway.ts";

let network: TestNetwork;
let gateway: GatewayNode;
let apiKey: string;
let client: OpenAI;

beforeAll(async () => {
  network = await startTestNetwork({ suppliers: 1 });
  gateway = await startNetworkGateway(network, {
    routing: {
      strategy: "quality-price",
      maxAttempts: 2,
      firstByteTimeoutMs: 20_000,
      idleTimeoutMs: 20_000,
    },
    defaultMaxTokens: 32,
  });
  apiKey = (await gateway.store.createKey({ name: "responses" })).key;
  client = new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.stop();
  await network?.stop();
});

const weatherTool = {
  type: "function" as const,
  name: "get_weather",
  description: "The current weather in a city",
  parameters: {
    type: "object",
    // An enum keeps the random test model's arguments short (a free string runs on until max tokens).
    properties: { city: { type: "string", enum: ["Paris", "Rome"] } },
    required: ["city"],
    additionalProperties: false,
  },
  strict: true,
};

describe("the Responses API with the openai client", () => {
  it("answers text with usage, and the relay is accounted as a chat relay", async () => {
    const before = (await gateway.store.usage({ limit: 1000 })).length;
    const { data: response, response: raw } = await client.responses
      .create({ model: testModelName, input: "Hello", instructions: "Answer briefly.", max_output_tokens: 8 })
      .withResponse();
    expect(response.object).toBe("response");
    expect(response.id).toMatch(/^resp_/);
    expect(["completed", "incomplete"]).toContain(response.status);
    expect(response.output[0]?.type).toBe("message");
    expect(typeof response.output_text).toBe("string");
    expect(response.usage?.input_tokens).toBeGreaterThan(0);
    expect(response.usage?.output_tokens).toBeGreaterThan(0);
    expect(response.usage?.output_tokens).toBeLessThanOrEqual(8);
    expect(response.usage?.total_tokens).toBe(
      (response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0),
    );
    // OpenAI's default `store: true`: the output items are kept for item_reference.
    expect((response as unknown as { store: boolean }).store).toBe(true);
    expect(raw.headers.get("x-aviary-supplier")).toBe(network.suppliers[0]?.owner.address);
    // Accounting is the chat relay's: one record, billed for exactly the usage the client saw.
    // Accounting is deferred off the hot path: wait for it.
    let records = await gateway.store.usage({ limit: 1000 });
    for (let tries = 0; records.length === before && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      records = await gateway.store.usage({ limit: 1000 });
    }
    expect(records.length).toBe(before + 1);
    const record = records.find((entry) => entry.outputTokens === response.usage?.output_tokens);
    expect(record?.route).toBe("chat/completions");
    expect(record?.inputTokens).toBe(response.usage?.input_tokens);
  });

  it("streams the Responses events in order, ending with response.completed (or incomplete) and usage", async () => {
    const stream = await client.responses.create({
      model: testModelName,
      input: [{ role: "user", content: [{ type: "input_text", text: "Tell me a story" }] }],
      max_output_tokens: 10,
      stream: true,
    });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const types = events.map((event) => event.type);
    expect(types.slice(0, 4)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
    ]);
    expect(types.filter((type) => type === "response.output_text.delta").length).toBeGreaterThan(0);
    expect(types.slice(-4, -1)).toEqual([
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
    ]);
    expect(["response.completed", "response.incomplete"]).toContain(types.at(-1));
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const text = events
      .map((event) => (event.type === "response.output_text.delta" ? event.delta : ""))
      .join("");
    const last = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(last.response.output[0]).toMatchObject({
      type: "message",
      content: [{ type: "output_text", text }],
    });
    expect(last.response.usage?.output_tokens).toBeGreaterThan(0);
    expect(last.response.usage?.output_tokens).toBeLessThanOrEqual(10);
  });

  it("the client's own stream accumulator (responses.stream) rebuilds the final response from the events", async () => {
    const stream = client.responses.stream({ model: testModelName, input: "Hi", max_output_tokens: 6 });
    let deltas = "";
    stream.on("response.output_text.delta", (event) => {
      deltas += event.delta;
    });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe(deltas);
    expect(final.usage?.output_tokens).toBeGreaterThan(0);
  });

  it("refuses fields it cannot honour with a 400 naming them, before any relay", async () => {
    const before = (await gateway.store.usage({ limit: 1000 })).length;
    await expect(
      client.responses.create({ model: testModelName, input: "x", previous_response_id: "resp_123" }),
    ).rejects.toMatchObject({ status: 400, code: "unsupported_parameter", param: "previous_response_id" });
    await expect(
      client.responses.create({ model: testModelName, input: "x", tools: [{ type: "web_search" }] }),
    ).rejects.toMatchObject({ status: 400, code: "unsupported_parameter", param: "tools.0.type" });
    await expect(
      client.responses.create({
        model: testModelName,
        input: [{ type: "item_reference", id: "msg_never_made" }],
      }),
    ).rejects.toMatchObject({ status: 400, code: "item_not_found", param: "input.0.id" });
    await expect(
      client.responses.create({ model: testModelName, input: "x", reasoning: { effort: "low" } }),
    ).rejects.toMatchObject({ status: 400, param: "reasoning" });
    const unknown = await fetch(`${gateway.url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: testModelName, input: "x", frequency_penalty: 1 }),
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      error: { code: "unknown_parameter", param: "frequency_penalty" },
    });
    await expect(client.responses.create({ model: "no-such-model", input: "x" })).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
    // Refused before admission: nothing reserved, nothing recorded.
    expect((await gateway.store.usage({ limit: 1000 })).length).toBe(before);
  });

  it("needs the API key like every relay route", async () => {
    const stranger = new OpenAI({ apiKey: "avy_wrong", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await expect(stranger.responses.create({ model: testModelName, input: "x" })).rejects.toMatchObject({
      status: 401,
    });
  });

  it("a function tool round trip: function_call item → function_call_output item → answer", async () => {
    const first = await client.responses.create({
      model: testModelName,
      input: "What is the weather in Paris?",
      tools: [weatherTool],
      tool_choice: { type: "function", name: "get_weather" },
      parallel_tool_calls: false,
      max_output_tokens: 200,
    });
    const call = first.output.find((item) => item.type === "function_call");
    expect(call).toMatchObject({ type: "function_call", name: "get_weather" });
    if (call?.type !== "function_call") throw new Error("no function call");
    expect(["Paris", "Rome"]).toContain(JSON.parse(call.arguments).city);
    const second = await client.responses.create({
      model: testModelName,
      input: [
        { role: "user", content: "What is the weather in Paris?" },
        call,
        { type: "function_call_output", call_id: call.call_id, output: '{"weather":"sunny"}' },
      ],
      tools: [weatherTool],
      tool_choice: "none",
      max_output_tokens: 8,
    });
    expect(second.output[0]?.type).toBe("message");
    expect(typeof second.output_text).toBe("string");
    expect(second.usage?.input_tokens).toBeGreaterThan(first.usage?.input_tokens ?? 0);
  });

  it("streams a tool call as function_call_arguments deltas", async () => {
    const stream = await client.responses.create({
      model: testModelName,
      input: "Weather in Rome?",
      tools: [weatherTool],
      tool_choice: "required",
      parallel_tool_calls: false,
      max_output_tokens: 200,
      stream: true,
    });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const types = events.map((event) => event.type);
    expect(types).toContain("response.function_call_arguments.delta");
    const done = events.find((event) => event.type === "response.function_call_arguments.done");
    if (done?.type !== "response.function_call_arguments.done") throw new Error("no arguments.done");
    expect(done.name).toBe("get_weather");
    expect(["Paris", "Rome"]).toContain(JSON.parse(done.arguments).city);
    expect(types.at(-1)).toBe("response.completed");
  });
});

describe("the Responses API with the Vercel AI SDK", () => {
  const provider = () => createOpenAI({ baseURL: `${gateway.url}/v1`, apiKey });

  it("generateText", async () => {
    const result = await generateText({
      model: provider()(testModelName),
      prompt: "Say hello",
      maxOutputTokens: 8,
      temperature: 0,
    });
    expect(typeof result.text).toBe("string");
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
  });

  it("streamText", async () => {
    const result = streamText({
      model: provider()(testModelName),
      system: "You tell stories.",
      prompt: "Once upon a time",
      maxOutputTokens: 8,
    });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe(await result.text);
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
    expect(["stop", "length"]).toContain(await result.finishReason);
  });

  it("generateObject with a zod schema (json_schema, enforced by a grammar)", async () => {
    // Enums and booleans keep the random test model's output short (a free string runs on until max tokens).
    const schema = z.object({ kind: z.enum(["cat", "dog", "bird"]), friendly: z.boolean() });
    const result = await generateObject({
      model: provider()(testModelName),
      schema,
      prompt: "A pet",
      maxOutputTokens: 200,
    });
    expect(schema.safeParse(result.object).success).toBe(true);
  });

  it("generateText with a required tool", async () => {
    const result = await generateText({
      model: provider()(testModelName),
      prompt: "What is the weather in Paris?",
      tools: {
        getWeather: tool({
          description: "The current weather in a city",
          inputSchema: jsonSchema<{ city: string }>({
            type: "object",
            properties: { city: { type: "string", enum: ["Paris", "Rome"] } },
            required: ["city"],
            additionalProperties: false,
          }),
        }),
      },
      toolChoice: "required",
      providerOptions: { openai: { parallelToolCalls: false } },
      maxOutputTokens: 200,
    });
    expect(result.toolCalls).toHaveLength(1);
    expect(result.toolCalls[0]).toMatchObject({
      toolName: "getWeather",
      input: { city: expect.any(String) },
    });
  });

  it("streamText with a required tool", async () => {
    const result = streamText({
      model: provider()(testModelName),
      prompt: "What is the weather in Rome?",
      tools: {
        getWeather: tool({
          description: "The current weather in a city",
          inputSchema: jsonSchema<{ city: string }>({
            type: "object",
            properties: { city: { type: "string", enum: ["Paris", "Rome"] } },
            required: ["city"],
            additionalProperties: false,
          }),
        }),
      },
      toolChoice: "required",
      providerOptions: { openai: { parallelToolCalls: false } },
      maxOutputTokens: 200,
    });
    const calls = await result.toolCalls;
    expect(calls).toHaveLength(1);
    expect(["Paris", "Rome"]).toContain((calls[0]?.input as { city: string }).city);
    expect(await result.finishReason).toBe("tool-calls");
  });

  it("a two-step tool loop: the tool's result goes back as a function_call_output item", async () => {
    const seen: unknown[] = [];
    const result = await generateText({
      model: provider()(testModelName),
      prompt: "What is the weather in Paris?",
      tools: {
        getWeather: tool({
          description: "The current weather in a city",
          inputSchema: jsonSchema<{ city: string }>({
            type: "object",
            properties: { city: { type: "string", enum: ["Paris", "Rome"] } },
            required: ["city"],
            additionalProperties: false,
          }),
          execute: async (input) => {
            seen.push(input);
            return { weather: "sunny" };
          },
        }),
      },
      // store: false: nothing is kept, and the AI SDK sends whole items, not item_references.
      providerOptions: { openai: { store: false, parallelToolCalls: false } },
      prepareStep: ({ stepNumber }) => ({ toolChoice: stepNumber === 0 ? "required" : "none" }),
      stopWhen: stepCountIs(2),
      maxOutputTokens: 200,
    });
    expect(seen).toHaveLength(1);
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]?.toolResults[0]).toMatchObject({
      toolName: "getWeather",
      output: { weather: "sunny" },
    });
    expect(typeof result.steps[1]?.text).toBe("string");
    expect(result.steps[1]?.usage.inputTokens).toBeGreaterThan(result.steps[0]?.usage.inputTokens ?? 0);
  });
});

describe("item_reference: earlier output items by id (store: true, OpenAI's default)", () => {
  it("resolves the key's own items, and a 400 for another key's item", async () => {
    const first = await client.responses.create({
      model: testModelName,
      input: "Hello",
      max_output_tokens: 8,
    });
    const item = first.output[0];
    if (!item?.id) throw new Error("no output item");
    const input: OpenAI.Responses.ResponseInput = [
      { role: "user", content: "Hello" },
      { type: "item_reference", id: item.id },
      { role: "user", content: "And then?" },
    ];
    const second = await client.responses.create({ model: testModelName, input, max_output_tokens: 8 });
    // The referenced message was part of the prompt: more input than the same turn without it.
    const without = await client.responses.create({
      model: testModelName,
      input: [
        { role: "user", content: "Hello" },
        { role: "user", content: "And then?" },
      ],
      max_output_tokens: 8,
    });
    expect(second.usage?.input_tokens).toBeGreaterThan(without.usage?.input_tokens ?? 0);

    const otherKey = (await gateway.store.createKey({ name: "responses-other" })).key;
    const other = new OpenAI({ apiKey: otherKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const refused = other.responses.create({ model: testModelName, input, max_output_tokens: 8 });
    await expect(refused).rejects.toMatchObject({ status: 400, code: "item_not_found", param: "input.1.id" });
    await expect(refused).rejects.toThrow(/an hour/);
  });
});

describe("multi-turn conversations with the Vercel AI SDK's default settings (item_reference)", () => {
  /** The provider, recording each Responses request body it sends. */
  const recordingProvider = () => {
    const bodies: { input: { type?: string }[]; store?: boolean }[] = [];
    const provider = createOpenAI({
      baseURL: `${gateway.url}/v1`,
      apiKey,
      fetch: async (url, init) => {
        if (typeof init?.body === "string") bodies.push(JSON.parse(init.body));
        return fetch(url, init);
      },
    });
    return { provider, bodies };
  };
  const references = (body: { input: { type?: string }[] } | undefined) =>
    (body?.input ?? []).filter((item) => item.type === "item_reference").length;
  const getWeather = (seen: unknown[]) =>
    tool({
      description: "The current weather in a city",
      inputSchema: jsonSchema<{ city: string }>({
        type: "object",
        properties: { city: { type: "string", enum: ["Paris", "Rome"] } },
        required: ["city"],
        additionalProperties: false,
      }),
      execute: async (input) => {
        seen.push(input);
        return { weather: "sunny" };
      },
    });

  it("generateText: three turns, the second a tool loop, history sent back by item_reference", async () => {
    const { provider, bodies } = recordingProvider();
    const model = provider(testModelName);
    const first = await generateText({ model, prompt: "Hello", maxOutputTokens: 8, temperature: 0 });
    let messages = [{ role: "user" as const, content: "Hello" }, ...first.response.messages];

    const seen: unknown[] = [];
    const second = await generateText({
      model,
      messages: [...messages, { role: "user", content: "What is the weather in Paris?" }],
      tools: { getWeather: getWeather(seen) },
      providerOptions: { openai: { parallelToolCalls: false } },
      prepareStep: ({ stepNumber }) => ({ toolChoice: stepNumber === 0 ? "required" : "none" }),
      stopWhen: stepCountIs(2),
      maxOutputTokens: 200,
    });
    expect(seen).toHaveLength(1);
    expect(second.steps).toHaveLength(2);
    messages = [
      ...messages,
      { role: "user", content: "What is the weather in Paris?" },
      ...second.response.messages,
    ];

    // The same tools (not called): the prompt holds everything step 2's did, and more.
    const third = await generateText({
      model,
      messages: [...messages, { role: "user", content: "Thanks" }],
      tools: { getWeather: getWeather(seen) },
      toolChoice: "none",
      maxOutputTokens: 8,
    });
    expect(typeof third.text).toBe("string");
    // The SDK's default (no store: false): earlier assistant text went back as item_references, and each
    // turn's prompt held the whole history the gateway resolved.
    expect(bodies.every((body) => body.store === undefined || body.store === true)).toBe(true);
    expect(references(bodies[1])).toBeGreaterThan(0);
    expect(references(bodies.at(-1))).toBeGreaterThan(references(bodies[1]));
    expect(second.steps[0]?.usage.inputTokens).toBeGreaterThan(first.usage.inputTokens ?? 0);
    expect(third.usage.inputTokens).toBeGreaterThan(second.steps[1]?.usage.inputTokens ?? 0);
  });

  it("streamText: three turns, the second a tool loop, history sent back by item_reference", async () => {
    const { provider, bodies } = recordingProvider();
    const model = provider(testModelName);
    const first = streamText({ model, prompt: "Hello", maxOutputTokens: 8, temperature: 0 });
    await first.consumeStream();
    let messages = [{ role: "user" as const, content: "Hello" }, ...(await first.response).messages];

    const seen: unknown[] = [];
    const second = streamText({
      model,
      messages: [...messages, { role: "user", content: "What is the weather in Rome?" }],
      tools: { getWeather: getWeather(seen) },
      providerOptions: { openai: { parallelToolCalls: false } },
      prepareStep: ({ stepNumber }) => ({ toolChoice: stepNumber === 0 ? "required" : "none" }),
      stopWhen: stepCountIs(2),
      maxOutputTokens: 200,
    });
    await second.consumeStream();
    expect(seen).toHaveLength(1);
    expect(await second.steps).toHaveLength(2);
    messages = [
      ...messages,
      { role: "user", content: "What is the weather in Rome?" },
      ...(await second.response).messages,
    ];

    const third = streamText({
      model,
      messages: [...messages, { role: "user", content: "Thanks" }],
      tools: { getWeather: getWeather(seen) },
      toolChoice: "none",
      maxOutputTokens: 8,
    });
    let text = "";
    for await (const delta of third.textStream) text += delta;
    expect(text).toBe(await third.text);
    expect(references(bodies[1])).toBeGreaterThan(0);
    expect(references(bodies.at(-1))).toBeGreaterThan(references(bodies[1]));
    const steps = await second.steps;
    expect(steps[0]?.usage.inputTokens).toBeGreaterThan((await first.usage).inputTokens ?? 0);
    expect((await third.usage).inputTokens).toBeGreaterThan(steps[1]?.usage.inputTokens ?? 0);
  });
});
