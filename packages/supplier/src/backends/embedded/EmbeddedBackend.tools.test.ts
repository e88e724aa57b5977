// Tool calls and JSON output on the embedded runtime, with the random-weights test model: whatever it writes,
// the grammar makes it parse and validate (JSON) or follow the call format (tools).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatToolCallJson, toChatHistory } from "@aviary/protocol";
import { ensureTestModel } from "@aviary/test-models";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import type { BackendStreamEvent } from "../Backend.ts";
import { BackendInvalidRequestError } from "../errors.ts";
import { EmbeddedBackend } from "./EmbeddedBackend.ts";

let directory: string;
let backend: EmbeddedBackend;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "aviary-embedded-tools-"));
  const model = await ensureTestModel({ directory, preset: "tiny", seed: 42 });
  backend = new EmbeddedBackend({ modelPath: model.path, expectedSha256: model.sha256, contextSize: 4096 });
  await backend.start();
});

afterAll(async () => {
  await backend?.close();
  await rm(directory, { recursive: true, force: true });
});

const signal = () => AbortSignal.timeout(60_000);

type ChatBody = {
  choices: {
    message: {
      role: string;
      content: string | null;
      tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
    };
    finish_reason: string;
  }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
};

async function chat(body: Record<string, unknown>): Promise<ChatBody> {
  const response = await backend.complete({ route: "chat/completions", body, signal: signal() });
  expect(response.body.usage).toMatchObject({
    prompt_tokens: response.usage.promptTokens,
    completion_tokens: response.usage.completionTokens,
  });
  return response.body as unknown as ChatBody;
}

async function streamChunks(body: Record<string, unknown>): Promise<BackendStreamEvent[]> {
  const events: BackendStreamEvent[] = [];
  for await (const event of backend.stream({ route: "chat/completions", body, signal: signal() }))
    events.push(event);
  return events;
}

/** Accumulates chunks as the openai client's `ChatCompletionStream` does (content, tool_calls by index). */
function accumulate(events: BackendStreamEvent[]) {
  let content: string | null = null;
  let finishReason: string | null = null;
  const calls: { id: string; type: string; function: { name: string; arguments: string } }[] = [];
  for (const event of events) {
    if (event.type !== "chunk") continue;
    const choice = (
      event.chunk.choices as { delta: Record<string, unknown>; finish_reason: string | null }[]
    )[0];
    if (!choice) continue;
    const delta = choice.delta as {
      content?: string | null;
      tool_calls?: {
        index: number;
        id?: string;
        type?: string;
        function?: { name?: string; arguments?: string };
      }[];
    };
    if (typeof delta.content === "string") content = (content ?? "") + delta.content;
    for (const piece of delta.tool_calls ?? []) {
      calls[piece.index] ??= { id: "", type: "", function: { name: "", arguments: "" } };
      const call = calls[piece.index] as (typeof calls)[number];
      if (piece.id) call.id = piece.id;
      if (piece.type) call.type = piece.type;
      if (piece.function?.name) call.function.name += piece.function.name;
      if (piece.function?.arguments) call.function.arguments += piece.function.arguments;
    }
    if (choice.finish_reason) finishReason = choice.finish_reason;
  }
  return { content, calls, finishReason };
}

const weatherParameters = z.object({
  city: z.string().max(12),
  unit: z.enum(["celsius", "fahrenheit"]),
  days: z.number().int().min(1).max(7),
});
const timeParameters = z.object({ zone: z.enum(["UTC", "CET"]), precise: z.boolean() });
const tools = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "The weather forecast of a city.",
      parameters: z.toJSONSchema(weatherParameters),
      strict: true,
    },
  },
  { type: "function", function: { name: "get_time", parameters: z.toJSONSchema(timeParameters) } },
];
const argumentsSchemas: Record<string, z.ZodType> = {
  get_weather: weatherParameters,
  get_time: timeParameters,
};
const messages = [{ role: "user", content: "What is the weather in Paris?" }];

function expectValidCalls(calls: { function: { name: string; arguments: string } }[]) {
  for (const call of calls) {
    const schema = argumentsSchemas[call.function.name];
    expect(schema, call.function.name).toBeDefined();
    (schema as z.ZodType).parse(JSON.parse(call.function.arguments));
  }
}

describe("EmbeddedBackend: response_format", () => {
  test("test_jsonObject_outputParsesAsAnObject", async () => {
    let stopped = 0;
    for (const seed of [1, 2, 3]) {
      const body = await chat({
        messages,
        response_format: { type: "json_object" },
        temperature: 1,
        seed,
        max_tokens: 400,
      });
      const choice = body.choices[0];
      if (choice?.finish_reason !== "stop") continue;
      const value: unknown = JSON.parse(choice.message.content ?? "");
      expect(typeof value === "object" && value !== null && !Array.isArray(value)).toBe(true);
      stopped++;
    }
    expect(stopped).toBeGreaterThan(0);
  });

  const answer = z.object({
    name: z.string().min(1).max(10),
    rating: z.number().int().min(-3).max(250),
    score: z.number(),
    kind: z.enum(["cat", "dog", "bird"]),
    ok: z.boolean(),
    owner: z.object({ age: z.number().int().min(0).max(120), nickname: z.string().max(6).nullable() }),
    tags: z
      .array(z.enum(["a", "b", "c"]))
      .min(1)
      .max(3),
    note: z.string().max(4).optional(),
  });

  test("test_jsonSchema_outputValidates_strictOrNot_greedyAndSampled", async () => {
    let stopped = 0;
    for (const [index, temperature] of [0, 1, 1, 1, 0.7].entries()) {
      const body = await chat({
        messages,
        response_format: {
          type: "json_schema",
          json_schema: { name: "pet", schema: z.toJSONSchema(answer), strict: index % 2 === 0 },
        },
        temperature,
        seed: index,
        max_tokens: 200,
      });
      const choice = body.choices[0];
      expect(choice?.finish_reason).toBe("stop");
      answer.parse(JSON.parse(choice?.message.content ?? ""));
      stopped++;
    }
    expect(stopped).toBe(5);
  });

  test("test_jsonSchema_cutByMaxTokens_finishReasonLength", async () => {
    const body = await chat({
      messages,
      response_format: { type: "json_schema", json_schema: { name: "pet", schema: z.toJSONSchema(answer) } },
      temperature: 0,
      max_tokens: 3,
    });
    expect(body.choices[0]?.finish_reason).toBe("length");
    expect(body.usage.completion_tokens).toBe(3);
    expect(() => JSON.parse(body.choices[0]?.message.content ?? "")).toThrow();
  });

  test("test_jsonSchema_unenforceableKeyword_400NamingIt", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { type: "object", properties: { x: { type: "string", pattern: "^a+$" } } },
        "response_format.json_schema.schema.properties.x.pattern",
      ],
      [{ type: "object", properties: { x: { type: "string", format: "email" } } }, "properties.x.format"],
      [{ type: "object", properties: { x: { type: "number", minimum: 0.5 } } }, "properties.x.minimum"],
      [{ oneOf: [{ type: "string" }, { type: "integer" }] }, "schema.oneOf"],
      [{ type: "array", uniqueItems: true }, "schema.uniqueItems"],
      [{ type: "object", properties: { x: { nullable: true, type: "string" } } }, "properties.x.nullable"],
      [{ type: "object", patternProperties: { "^a": {} } }, "schema.patternProperties"],
      [{ $ref: "https://example.com/schema.json" }, "schema.$ref"],
    ];
    for (const [schema, path] of cases) {
      const error = await backend
        .complete({
          route: "chat/completions",
          body: { messages, response_format: { type: "json_schema", json_schema: { name: "x", schema } } },
          signal: signal(),
        })
        .catch((caught: unknown) => caught);
      expect(error, path).toBeInstanceOf(BackendInvalidRequestError);
      expect((error as BackendInvalidRequestError).status).toBe(400);
      expect((error as Error).message).toContain(path);
      expect((error as BackendInvalidRequestError).param?.endsWith(path)).toBe(true);
    }
  });

  test("test_jsonSchema_recursiveRefAndAnyOf_validate", async () => {
    const schema = {
      type: "object",
      properties: { tree: { $ref: "#/$defs/node" } },
      required: ["tree"],
      additionalProperties: false,
      $defs: {
        node: {
          type: "object",
          properties: {
            value: { anyOf: [{ type: "integer", minimum: 0, maximum: 9 }, { type: "null" }] },
            children: { type: "array", items: { $ref: "#/$defs/node" }, maxItems: 2 },
          },
          required: ["value"],
        },
      },
    };
    type Node = { value: number | null; children?: Node[] };
    const node: z.ZodType<Node> = z.lazy(() =>
      z.object({
        value: z.number().int().min(0).max(9).nullable(),
        children: z.array(node).max(2).optional(),
      }),
    );
    for (const seed of [1, 2]) {
      const body = await chat({
        messages,
        response_format: { type: "json_schema", json_schema: { name: "tree", schema } },
        temperature: 1,
        seed,
        max_tokens: 300,
      });
      if (body.choices[0]?.finish_reason !== "stop") continue;
      z.object({ tree: node }).parse(JSON.parse(body.choices[0]?.message.content ?? ""));
    }
  });
});

describe("EmbeddedBackend: tools", () => {
  // The random model lists parallel calls until it happens to close the list: some outputs run into max_tokens.
  test("test_toolChoiceRequired_returnsValidToolCalls_inOpenAiShape", async () => {
    let finished = 0;
    for (const seed of [1, 2, 3, 4]) {
      const body = await chat({
        messages,
        tools,
        tool_choice: "required",
        temperature: 1,
        seed,
        max_tokens: 600,
      });
      const choice = body.choices[0];
      expect(choice?.message.role).toBe("assistant");
      expect(choice?.message.content).toBeNull();
      const calls = choice?.message.tool_calls ?? [];
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        expect(call.id).toMatch(/^call_[0-9a-f]{24}$/);
        expect(call.type).toBe("function");
      }
      if (choice?.finish_reason === "length") continue;
      expect(choice?.finish_reason).toBe("tool_calls");
      expectValidCalls(calls);
      finished++;
    }
    expect(finished).toBeGreaterThan(0);
  });

  test("test_toolChoiceNamed_callsThatFunctionOnly", async () => {
    let finished = 0;
    for (const seed of [1, 2, 3, 4]) {
      const body = await chat({
        messages,
        tools,
        tool_choice: { type: "function", function: { name: "get_time" } },
        temperature: 1,
        seed,
        max_tokens: 600,
      });
      const calls = body.choices[0]?.message.tool_calls ?? [];
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((call) => call.function.name === "get_time")).toBe(true);
      if (body.choices[0]?.finish_reason === "length") continue;
      expect(body.choices[0]?.finish_reason).toBe("tool_calls");
      expectValidCalls(calls);
      finished++;
    }
    expect(finished).toBeGreaterThan(0);
  });

  test("test_parallelToolCallsFalse_exactlyOneCall", async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const body = await chat({
        messages,
        tools,
        tool_choice: "required",
        parallel_tool_calls: false,
        temperature: 1,
        seed,
        max_tokens: 200,
      });
      expect(body.choices[0]?.finish_reason).toBe("tool_calls");
      expect(body.choices[0]?.message.tool_calls).toHaveLength(1);
      expectValidCalls(body.choices[0]?.message.tool_calls ?? []);
    }
  });

  test("test_toolChoiceNone_plainTextAnswer", async () => {
    const body = await chat({ messages, tools, tool_choice: "none", temperature: 0, max_tokens: 16 });
    expect(body.choices[0]?.message.tool_calls).toBeUndefined();
    expect(typeof body.choices[0]?.message.content).toBe("string");
    expect(["stop", "length"]).toContain(body.choices[0]?.finish_reason);
  });

  // The random model hardly ever starts with `{`: a logit bias on the `{` byte token (id 128) makes it call.
  const braceBias = { "128": 100 };

  test("test_toolChoiceAuto_eitherValidCallsOrTextNotStartingWithBrace", async () => {
    const seen = new Set<string>();
    for (const [seed, bias] of [
      [1, {}],
      [2, {}],
      [3, {}],
      [2, braceBias],
    ] as const) {
      const body = await chat({ messages, tools, temperature: 1, seed, max_tokens: 300, logit_bias: bias });
      const choice = body.choices[0];
      if (choice?.message.tool_calls) {
        seen.add("calls");
        expect(choice.message.content).toBeNull();
        expect(choice.finish_reason).toBe("tool_calls");
        expectValidCalls(choice.message.tool_calls);
      } else {
        seen.add("text");
        expect(choice?.message.content?.startsWith("{")).toBe(false);
      }
    }
    expect([...seen].sort()).toEqual(["calls", "text"]);
  });

  test("test_streamedToolCalls_reassembleToTheNonStreamedResult", async () => {
    const kinds = new Set<string>();
    for (const body of [
      { messages, tools, tool_choice: "required", temperature: 1, seed: 11, max_tokens: 200 },
      { messages, tools, tool_choice: "required", temperature: 1, seed: 11, max_tokens: 9 },
      { messages, tools, tool_choice: "required", temperature: 1, seed: 11, max_tokens: 40 },
      { messages, tools, temperature: 1, seed: 3, max_tokens: 60 },
      { messages, tools, temperature: 1, seed: 5, max_tokens: 60 },
      { messages, tools, temperature: 1, seed: 2, max_tokens: 300, logit_bias: braceBias },
    ]) {
      const whole = await chat(body);
      const events = await streamChunks(body);
      const streamed = accumulate(events);
      const message = whole.choices[0]?.message;
      kinds.add(`${message?.tool_calls ? "calls" : "text"}:${whole.choices[0]?.finish_reason}`);
      expect(streamed.finishReason).toBe(whole.choices[0]?.finish_reason);
      expect(streamed.content).toBe(message?.content ?? null);
      expect(streamed.calls.map((call) => call.function)).toEqual(
        (message?.tool_calls ?? []).map((call) => call.function),
      );
      for (const call of streamed.calls) {
        expect(call.id).toMatch(/^call_/);
        expect(call.type).toBe("function");
      }
      const usage = events.at(-1);
      expect(usage).toEqual({
        type: "usage",
        usage: { promptTokens: whole.usage.prompt_tokens, completionTokens: whole.usage.completion_tokens },
      });
      // The first chunk carries the role; a call's first chunk its id, type and name with empty arguments.
      const first = events[0] as { type: "chunk"; chunk: { choices: { delta: Record<string, unknown> }[] } };
      expect(first.chunk.choices[0]?.delta.role).toBe("assistant");
      if (streamed.calls.length > 0) {
        expect(first.chunk.choices[0]?.delta).toMatchObject({
          content: null,
          tool_calls: [{ index: 0, type: "function", function: { arguments: "" } }],
        });
      }
    }
    expect([...kinds].sort()).toEqual(["calls:length", "calls:tool_calls", "text:length"]);
  });

  test("test_toolChoiceAuto_textAnswer_carriesLogprobs_streamedOrNot", async () => {
    const body = { messages, tools, temperature: 0, max_tokens: 8, logprobs: true, top_logprobs: 2 };
    const whole = (await backend.complete({ route: "chat/completions", body, signal: signal() })).body as {
      choices: { message: { content: string }; logprobs: { content: { token: string }[] } | null }[];
    };
    const choice = whole.choices[0];
    expect(choice?.message.content.length).toBeGreaterThan(0);
    expect(choice?.logprobs?.content.map((entry) => entry.token).join("")).toBe(choice?.message.content);
    const events = await streamChunks(body);
    const streamedTokens = events.flatMap((event) =>
      event.type === "chunk"
        ? ((event.chunk.choices as { logprobs: { content: { token: string }[] } | null }[])[0]?.logprobs
            ?.content ?? [])
        : [],
    );
    expect(streamedTokens.map((entry) => entry.token).join("")).toBe(choice?.message.content);
  });

  test("test_toolRoundTrip_assistantCallsAndToolResult_thenTextAnswer", async () => {
    const first = await chat({ messages, tools, tool_choice: "required", temperature: 0, max_tokens: 200 });
    const calls = first.choices[0]?.message.tool_calls ?? [];
    expect(calls.length).toBeGreaterThan(0);
    const history = [
      ...messages,
      { role: "assistant", content: null, tool_calls: calls },
      ...calls.map((call) => ({
        role: "tool",
        tool_call_id: call.id,
        content: [{ type: "text", text: '{"temperature":21}' }],
      })),
    ];
    const answer = await chat({
      messages: history,
      tools,
      tool_choice: "none",
      temperature: 0,
      max_tokens: 12,
    });
    expect(typeof answer.choices[0]?.message.content).toBe("string");
    expect(answer.choices[0]?.message.tool_calls).toBeUndefined();
    // The history carries the call JSON and the labelled result, so the prompt is longer than the first one.
    expect(answer.usage.prompt_tokens).toBeGreaterThan(
      first.usage.prompt_tokens + first.usage.completion_tokens,
    );
    const callJson = formatToolCallJson(calls.map((call) => call.function));
    const rendered = toChatHistory({ messages: history as never, tools: [], toolChoice: "none" });
    expect(rendered).toContainEqual({ type: "model", response: [callJson] });
  });

  test("test_usage_countsTheCallJsonTokensAndTheToolInstructions", async () => {
    const plain = await chat({ messages, temperature: 0, max_tokens: 1 });
    const body = await chat({ messages, tools, tool_choice: "required", temperature: 0, max_tokens: 200 });
    // The tool instructions are part of what the runtime evaluated.
    expect(body.usage.prompt_tokens).toBeGreaterThan(plain.usage.prompt_tokens + 50);
    const calls = body.choices[0]?.message.tool_calls ?? [];
    const callJson = formatToolCallJson(calls.map((call) => call.function));
    // Every token of the call JSON is counted, plus the end-of-generation token.
    const tokens = await backend.countTokens(callJson);
    expect(body.usage.completion_tokens).toBeGreaterThanOrEqual(tokens);
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(Buffer.byteLength(callJson) + 1);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  test("test_toolChoice_invalidCombinations_400", async () => {
    const bodies: [Record<string, unknown>, string][] = [
      [{ messages, tool_choice: "required" }, "tool_choice"],
      [
        { messages, tools, tool_choice: { type: "function", function: { name: "nope" } } },
        "tool_choice.function.name",
      ],
      [{ messages, tools: [tools[0], tools[0]] }, "tools.1.function.name"],
      [
        {
          messages,
          tools: [
            {
              type: "function",
              function: {
                name: "f",
                parameters: { type: "object", properties: { x: { type: "string", format: "uri" } } },
              },
            },
          ],
        },
        "tools.0.function.parameters.properties.x.format",
      ],
      [{ messages: [...messages, { role: "tool", content: "x" }] }, "messages.1.tool_call_id"],
    ];
    for (const [body, path] of bodies) {
      const error = await backend
        .complete({ route: "chat/completions", body, signal: signal() })
        .catch((caught: unknown) => caught);
      expect(error, path).toBeInstanceOf(BackendInvalidRequestError);
      expect((error as Error).message).toContain(path);
    }
  });
});
