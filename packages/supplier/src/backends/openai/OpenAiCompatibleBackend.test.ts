import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTestModel, testModelName } from "@aviary/test-models";
import { startOpenAiTestServer } from "@aviary/testkit/openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { describeBackendConformance } from "../../../test/backends/backend.conformance.ts";
import type { BackendRequest, BackendStreamEvent } from "../Backend.ts";
import { EmbeddedBackend } from "../embedded/EmbeddedBackend.ts";
import {
  BackendError,
  BackendResponseInvalidError,
  BackendTimeoutError,
  BackendUnavailableError,
  BackendUpstreamRejectedError,
  BackendUsageMissingError,
} from "../errors.ts";
import { OpenAiCompatibleBackend } from "./OpenAiCompatibleBackend.ts";

describeBackendConformance("OpenAiCompatibleBackend", async () => {
  const directory = await mkdtemp(join(tmpdir(), "aviary-openai-"));
  const model = await ensureTestModel({ directory, preset: "tiny" });
  const embedded = new EmbeddedBackend({ modelPath: model.path, expectedSha256: model.sha256 });
  await embedded.start();
  const server = await startOpenAiTestServer({ backend: embedded, modelName: testModelName });
  const backend = new OpenAiCompatibleBackend({
    baseUrl: server.baseUrl,
    model: testModelName,
    timeoutMs: 10_000,
    routes: ["chat/completions", "completions", "embeddings"],
  });
  await backend.start();
  return {
    backend,
    teardown: async () => {
      await server.close();
      await embedded.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});

type Handler = (request: IncomingMessage, body: Record<string, unknown>, response: ServerResponse) => void;

/** A scripted upstream on 127.0.0.1: `/models` answers a list unless the handler takes it. */
async function fakeUpstream(handler: Handler) {
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    handler(request, text ? (JSON.parse(text) as Record<string, unknown>) : {}, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  return `http://127.0.0.1:${port}/v1`;
}

const servers: Array<ReturnType<typeof createServer>> = [];
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const chat = (signal: AbortSignal = AbortSignal.timeout(10_000)): BackendRequest => ({
  route: "chat/completions",
  body: { model: "client-name", messages: [{ role: "user", content: "Hi" }], max_completion_tokens: 5 },
  signal,
});

const completionJson = (usage: unknown) => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "upstream-name",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello" }, finish_reason: "stop" }],
  ...(usage === undefined ? {} : { usage }),
});

async function drain(stream: AsyncIterable<BackendStreamEvent>): Promise<BackendStreamEvent[]> {
  const events: BackendStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

async function failure(promise: Promise<unknown>): Promise<BackendError> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(BackendError);
  return error as BackendError;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("OpenAiCompatibleBackend", () => {
  test("forwards the body with the upstream model, explicit bounds, and include_usage on streams", async () => {
    const bodies: Array<Record<string, unknown>> = [];
    const baseUrl = await fakeUpstream((request, body, response) => {
      bodies.push(body);
      expect(request.headers.authorization).toBe("Bearer secret");
      if (body.stream) {
        response.writeHead(200, { "content-type": "text/event-stream" });
        const chunk = { id: "c", object: "chat.completion.chunk", created: 1, model: "upstream-name" };
        response.write(
          `data: ${JSON.stringify({ ...chunk, choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null }] })}\r\n\r\n`,
        );
        response.write(
          `: keep-alive comment\n\ndata: ${JSON.stringify({ ...chunk, choices: [{ index: 0, delta: { content: "lo" }, finish_reason: "stop" }], usage: null })}\n`,
        );
        response.write(
          `\ndata: ${JSON.stringify({ ...chunk, choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } })}\n\n`,
        );
        response.end("data: [DONE]\n\n");
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify(completionJson({ prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 })),
      );
    });
    const backend = new OpenAiCompatibleBackend({ baseUrl, model: "upstream-name", apiKey: "secret" });
    const { body, usage } = await backend.complete(chat());
    expect(usage).toEqual({ promptTokens: 9, completionTokens: 1 });
    expect(body.model).toBe("client-name");
    expect(bodies[0]).toMatchObject({ model: "upstream-name", max_tokens: 5, temperature: 1, stream: false });
    expect(bodies[0]).not.toHaveProperty("max_completion_tokens");

    const events = await drain(backend.stream(chat()));
    expect(bodies[1]).toMatchObject({
      model: "upstream-name",
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(events.map((event) => event.type)).toEqual(["chunk", "chunk", "usage"]);
    expect(events[1]).toMatchObject({ chunk: { model: "client-name" } });
    expect(events[1]?.type === "chunk" && "usage" in events[1].chunk).toBe(false);
    expect(events[2]).toEqual({ type: "usage", usage: { promptTokens: 9, completionTokens: 2 } });
  });

  test("keeps upstream connections alive, at most `connections` of them, streams included", async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
    const baseUrl = await fakeUpstream(async (_request, body, response) => {
      await gate;
      if (body.stream) {
        response.writeHead(200, { "content-type": "text/event-stream" });
        const chunk = { id: "c", object: "chat.completion.chunk", created: 1, model: "m" };
        response.write(
          `data: ${JSON.stringify({ ...chunk, choices: [{ index: 0, delta: { content: "a" }, finish_reason: "stop" }] })}\n\n`,
        );
        response.write(`data: ${JSON.stringify({ ...chunk, choices: [], usage })}\n\n`);
        response.end("data: [DONE]\n\n");
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(completionJson(usage)));
    });
    let sockets = 0;
    servers.at(-1)?.on("connection", () => {
      sockets += 1;
    });
    const backend = new OpenAiCompatibleBackend({ baseUrl, model: "m", connections: 2 });
    const pending = Array.from({ length: 6 }, () => backend.complete(chat()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sockets).toBe(2);
    release();
    await Promise.all(pending);
    for (let round = 0; round < 4; round += 1) {
      await drain(backend.stream(chat()));
      await backend.complete(chat());
    }
    expect(sockets).toBe(2);
    await backend.close();
  });

  test("upstream 500 is a retryable BackendError (502), streamed or not", async () => {
    const baseUrl = await fakeUpstream((_request, _body, response) => {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "out of memory", type: "server_error" } }));
    });
    const backend = new OpenAiCompatibleBackend({ baseUrl, model: "m" });
    for (const error of [
      await failure(backend.complete(chat())),
      await failure(drain(backend.stream(chat()))),
    ]) {
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(error.isRetryable).toBe(true);
      expect(error.status).toBe(502);
      expect(error.message).toContain("out of memory");
    }
    await expect(backend.start()).rejects.toBeInstanceOf(BackendUnavailableError);
  });

  test("upstream 4xx is a 400 carrying the upstream message", async () => {
    const baseUrl = await fakeUpstream((_request, _body, response) => {
      response.writeHead(422, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "prompt too long for this model" } }));
    });
    const error = await failure(new OpenAiCompatibleBackend({ baseUrl, model: "m" }).complete(chat()));
    expect(error).toBeInstanceOf(BackendUpstreamRejectedError);
    expect(error.status).toBe(400);
    expect(error.isRetryable).toBe(false);
    expect(error.shortMessage).toContain("prompt too long for this model");
  });

  test("connection refused is retryable, at start and per request", async () => {
    const backend = new OpenAiCompatibleBackend({
      baseUrl: `http://127.0.0.1:${await freePort()}/v1`,
      model: "m",
    });
    for (const error of [
      await failure(backend.start()),
      await failure(backend.complete(chat())),
      await failure(drain(backend.stream(chat()))),
    ]) {
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(error.isRetryable).toBe(true);
      expect(error.status).toBe(502);
      expect(error.shortMessage).toContain("connection refused");
    }
  });

  test("no first byte, or a stalled stream, within timeoutMs is a 504", async () => {
    const baseUrl = await fakeUpstream((_request, body, response) => {
      if (!body.stream) return; // never answers
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "a" }, finish_reason: null }] })}\n\n`,
      );
      // …then stalls.
    });
    const backend = new OpenAiCompatibleBackend({ baseUrl, model: "m", timeoutMs: 200 });
    const started = performance.now();
    const error = await failure(backend.complete(chat()));
    expect(error).toBeInstanceOf(BackendTimeoutError);
    expect(error.status).toBe(504);
    expect(error.isRetryable).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);

    const events: BackendStreamEvent[] = [];
    const streamed = await failure(
      (async () => {
        for await (const event of backend.stream(chat())) events.push(event);
      })(),
    );
    expect(streamed).toBeInstanceOf(BackendTimeoutError);
    expect(streamed.status).toBe(504);
    expect(events).toHaveLength(1);
  });

  test("a response or stream without usage is refused (BackendUsageMissingError)", async () => {
    const baseUrl = await fakeUpstream((_request, body, response) => {
      if (body.stream) {
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.write(
          `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "a" }, finish_reason: "stop" }] })}\n\n`,
        );
        response.end("data: [DONE]\n\n");
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(completionJson(undefined)));
    });
    const backend = new OpenAiCompatibleBackend({ baseUrl, model: "m" });
    expect(await failure(backend.complete(chat()))).toBeInstanceOf(BackendUsageMissingError);
    expect(await failure(drain(backend.stream(chat())))).toBeInstanceOf(BackendUsageMissingError);
  });

  test("malformed upstream JSON, a stream cut short, and an error event are BackendErrors", async () => {
    const baseUrl = await fakeUpstream((request, body, response) => {
      if (!body.stream) {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ choices: "nope", usage: { prompt_tokens: 1, completion_tokens: 1 } }));
        return;
      }
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "a" }, finish_reason: null }] })}\n\n`,
      );
      if (request.url?.includes("chat"))
        response.end(`data: ${JSON.stringify({ error: { message: "slot crashed" } })}\n\n`);
      else response.end();
    });
    const backend = new OpenAiCompatibleBackend({ baseUrl, model: "m" });
    expect(await failure(backend.complete(chat()))).toBeInstanceOf(BackendResponseInvalidError);
    const cut = await failure(
      drain(backend.stream({ ...chat(), route: "completions", body: { model: "m", prompt: "x" } })),
    );
    expect(cut).toBeInstanceOf(BackendResponseInvalidError);
    const errorEvent = await failure(drain(backend.stream(chat())));
    expect(errorEvent.details).toContain("slot crashed");
    expect(errorEvent.isRetryable).toBe(true);
  });

  test("invalid requests and unsupported routes are refused before any round trip", async () => {
    const backend = new OpenAiCompatibleBackend({
      baseUrl: `http://127.0.0.1:${await freePort()}/v1`,
      model: "m",
    });
    expect((await failure(backend.complete({ ...chat(), body: { messages: [] } }))).status).toBe(400);
    expect(backend.supports("embeddings")).toBe(false);
    expect(
      (await failure(backend.complete({ ...chat(), route: "embeddings", body: { input: "x" } }))).status,
    ).toBe(400);
  });
});

describe("OpenAiCompatibleBackend over the OpenAI test server: fields as sent, tool calls, logprobs", () => {
  let directory: string;
  let embedded: EmbeddedBackend;
  let server: Awaited<ReturnType<typeof startOpenAiTestServer>>;
  let backend: OpenAiCompatibleBackend;
  const tools = [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "The weather in a city",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        strict: true,
      },
    },
  ];
  const request = (body: Record<string, unknown>): BackendRequest => ({
    route: "chat/completions",
    body: {
      model: "client-name",
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
      max_tokens: 6,
      temperature: 0,
      ...body,
    },
    signal: AbortSignal.timeout(10_000),
  });

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "aviary-openai-fields-"));
    const model = await ensureTestModel({ directory, preset: "tiny" });
    embedded = new EmbeddedBackend({ modelPath: model.path, expectedSha256: model.sha256 });
    await embedded.start();
    server = await startOpenAiTestServer({
      backend: embedded,
      modelName: testModelName,
      toolCalls: true,
      logprobs: true,
    });
    backend = new OpenAiCompatibleBackend({
      baseUrl: server.baseUrl,
      model: testModelName,
      capabilities: { tools: true, logprobs: true, contextLength: 2048 },
    });
    await backend.start();
  });

  afterAll(async () => {
    await backend?.close();
    await server?.close();
    await embedded?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  test("declares the configured capabilities, the rest false", () => {
    expect(backend.capabilities()).toEqual({
      backend: "openai",
      tools: true,
      jsonSchema: false,
      logprobs: true,
      images: false,
      contextLength: 2048,
    });
    expect(
      new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: testModelName }).capabilities(),
    ).toEqual({
      backend: "openai",
      tools: false,
      jsonSchema: false,
      logprobs: false,
      images: false,
      contextLength: null,
    });
  });

  test("every field reaches the upstream as sent, vendor fields included", async () => {
    const fields = {
      tools,
      tool_choice: "none",
      parallel_tool_calls: false,
      response_format: { type: "json_schema", json_schema: { name: "answer", schema: { type: "object" } } },
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      logit_bias: { "42": -100 },
      seed: 7,
      top_p: 0.9,
      stop: ["\n\n"],
      user: "end-user-1",
      metadata: { purpose: "test" },
      top_k: 40,
      repetition_penalty: 1.1,
    };
    const before = server.received.length;
    await backend.complete(request(fields));
    await drain(backend.stream(request({ ...fields, stream_options: { include_obfuscation: false } })));
    const [whole, streamed] = server.received.slice(before).map((entry) => entry.body);
    expect(whole).toEqual({
      ...fields,
      model: testModelName,
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
      max_tokens: 6,
      temperature: 0,
      stream: false,
    });
    expect(streamed).toMatchObject({
      ...fields,
      stream: true,
      stream_options: { include_obfuscation: false, include_usage: true },
    });
  });

  test("tool calls come back with content null and finish_reason tool_calls, streamed and not", async () => {
    const body = { tools, tool_choice: { type: "function", function: { name: "get_weather" } } };
    const { body: answer, usage } = await backend.complete(request(body));
    const choice = (answer.choices as Array<Record<string, unknown>>)[0];
    expect(choice).toMatchObject({
      finish_reason: "tool_calls",
      message: {
        role: "assistant",
        content: null,
        tool_calls: [{ type: "function", function: { name: "get_weather", arguments: "{}" } }],
      },
    });
    expect(answer.model).toBe("client-name");
    expect(usage.promptTokens).toBeGreaterThan(0);

    const events = await drain(backend.stream(request(body)));
    const chunks = events.flatMap((event) => (event.type === "chunk" ? [event.chunk] : []));
    const deltas = chunks.map(
      (chunk) => (chunk.choices as Array<{ delta: Record<string, unknown> }>)[0]?.delta,
    );
    expect(deltas[0]).toMatchObject({
      tool_calls: [{ index: 0, type: "function", function: { name: "get_weather" } }],
    });
    const argumentsText = deltas
      .flatMap((delta) => (delta?.tool_calls as Array<{ function?: { arguments?: string } }>) ?? [])
      .map((call) => call.function?.arguments ?? "")
      .join("");
    expect(argumentsText).toBe("{}");
    expect((chunks.at(-1)?.choices as Array<{ finish_reason: unknown }>)[0]?.finish_reason).toBe(
      "tool_calls",
    );
    expect(events.at(-1)).toMatchObject({ type: "usage" });
  });

  test("logprobs come back as the upstream sent them, streamed and not", async () => {
    const { body: answer } = await backend.complete(request({ logprobs: true, top_logprobs: 0 }));
    const choice = (answer.choices as Array<Record<string, unknown>>)[0] as {
      message: { content: string };
      logprobs: { content: Array<{ token: string; logprob: number }> };
    };
    expect(choice.logprobs.content.map((entry) => entry.token).join("")).toBe(choice.message.content);

    const events = await drain(backend.stream(request({ logprobs: true })));
    const withLogprobs = events.filter(
      (event) =>
        event.type === "chunk" && (event.chunk.choices as Array<{ logprobs?: unknown }>)[0]?.logprobs != null,
    );
    expect(withLogprobs.length).toBeGreaterThan(0);
  });

  test("a tool round trip: the assistant's tool_calls and the tool's answer are sent on as history", async () => {
    const messages = [
      { role: "user", content: "What is the weather in Paris?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "Sunny, 21 °C" },
    ];
    const before = server.received.length;
    // The test server's backend may not read tool turns: only what reached the upstream is checked here.
    await backend.complete(request({ messages, tools })).catch(() => undefined);
    expect(server.received[before]?.body.messages).toEqual(messages);
  });
});
