// Every OpenAI request field, on every path: through the gateway with the official `openai` client, directly
// against a supplier's relay route (signed relays), and through the SDK's `createAviaryFetch`. Driven by the
// protocol's `openAiRequestFields` table: a `refused` field is a 400 naming it; a `supported` or `no_effect`
// one is a 200 with a valid value; a value outside what the field accepts is a 400 naming it; a field that is
// not OpenAI's is a 400 naming it. One network (one supplier on the embedded runtime) for the whole file.
// The text routes only: the images route's fields are covered by images.integration.test.ts (an image model).
import { type OpenAiRoute, openAiRequestFields, type RequestField, requestField } from "@aviary/protocol";
import { sendRelay } from "@aviary/testkit";
import {
  directOpenAiClient,
  inputPrice,
  outputPrice,
  startNetworkGateway,
  startTestNetwork,
  type TestNetwork,
  testModelName,
} from "@aviary/testkit/network";
import OpenAI from "openai";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { GatewayNode } from "../src/startGateway.ts";

type Body = Record<string, unknown>;
type TextRoute = Exclude<OpenAiRoute, "images/generations">;

/** A value the field must refuse, with what else the body needs and the `param` the 400 names. */
type Invalid = { value: unknown; with?: Body; param?: string };
/** Valid values of a field (each one request), and what else the body needs for them. */
type Example = { valid: unknown[]; with?: Body; invalid?: Invalid[] };

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const tools = { tools: [weatherTool] };
const stream = { stream: true };

const generation: Record<string, Example> = {
  model: { valid: [testModelName], invalid: [{ value: "" }] },
  max_tokens: { valid: [2], invalid: [{ value: 0 }, { value: 1.5 }] },
  temperature: { valid: [0.7], invalid: [{ value: 3 }] },
  top_p: { valid: [0.9], invalid: [{ value: 0 }, { value: 1.5 }] },
  seed: { valid: [42], invalid: [{ value: 1.5 }] },
  stop: { valid: ["\n", ["\n\n", "END"]], invalid: [{ value: ["a", "b", "c", "d", "e"] }] },
  stream: { valid: [true, false], invalid: [{ value: "yes" }] },
  stream_options: {
    valid: [{ include_usage: true }],
    with: stream,
    invalid: [{ value: { include_usage: "yes" }, with: stream, param: "stream_options.include_usage" }],
  },
  n: { valid: [1], invalid: [{ value: 2 }, { value: 0 }] },
  frequency_penalty: { valid: [0.5], invalid: [{ value: 2.5 }] },
  presence_penalty: { valid: [-0.5], invalid: [{ value: -3 }] },
  logit_bias: {
    valid: [{ "5": 10, "6": -100 }],
    invalid: [
      { value: { abc: 1 }, param: "logit_bias.abc" },
      { value: { "5": 101 }, param: "logit_bias.5" },
      { value: Object.fromEntries(Array.from({ length: 301 }, (_, index) => [String(index), 1])) },
    ],
  },
  user: { valid: ["end-user-1"], invalid: [{ value: 5 }] },
};

/** An example of every field of the table, per route (the test checks that none is missing). */
const examples: Record<TextRoute, Record<string, Example>> = {
  "chat/completions": {
    ...generation,
    messages: {
      valid: [
        [
          { role: "system", content: "You answer briefly." },
          { role: "developer", content: [{ type: "text", text: "Be kind." }] },
          { role: "user", content: [{ type: "text", text: "Hi" }], name: "ada" },
        ],
        [
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
        ],
      ],
      with: tools,
      invalid: [
        { value: [] },
        { value: [{ role: "robot", content: "x" }], param: "messages.0.role" },
        { value: [{ role: "tool", content: "x" }], param: "messages.0.tool_call_id" },
        { value: [{ role: "assistant", content: null }], param: "messages.0.content" },
        {
          // A well-formed image part: the embedded runtime reads text only.
          value: [
            {
              role: "user",
              content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }],
            },
          ],
          param: "messages.0.content.0",
        },
      ],
    },
    max_completion_tokens: { valid: [2], invalid: [{ value: -1 }] },
    tools: {
      valid: [[weatherTool], [{ ...weatherTool, function: { ...weatherTool.function, strict: true } }]],
      invalid: [
        { value: [{ type: "function", function: { name: "bad name!" } }], param: "tools.0.function.name" },
        { value: [{ type: "retrieval" }], param: "tools.0.type" },
      ],
    },
    tool_choice: {
      valid: ["none", "auto", "required", { type: "function", function: { name: "get_weather" } }],
      with: tools,
      invalid: [
        {
          value: { type: "function", function: { name: "other" } },
          with: tools,
          param: "tool_choice.function.name",
        },
        { value: "sometimes", with: tools },
        { value: "required" },
      ],
    },
    parallel_tool_calls: { valid: [false, true], with: tools, invalid: [{ value: "no", with: tools }] },
    response_format: {
      valid: [
        { type: "text" },
        { type: "json_object" },
        {
          type: "json_schema",
          json_schema: {
            name: "answer",
            schema: { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
            strict: true,
          },
        },
      ],
      invalid: [
        { value: { type: "xml" }, param: "response_format.type" },
        {
          value: { type: "json_schema", json_schema: { name: "no spaces allowed" } },
          param: "response_format.json_schema.name",
        },
      ],
    },
    logprobs: { valid: [true, false], invalid: [{ value: "yes" }] },
    top_logprobs: {
      valid: [0, 2],
      with: { logprobs: true },
      invalid: [{ value: 21, with: { logprobs: true } }, { value: 2 }],
    },
    safety_identifier: { valid: ["hashed-user"], invalid: [{ value: 5 }] },
    prompt_cache_key: { valid: ["cache-key"], invalid: [{ value: 5 }] },
    store: { valid: [false], invalid: [{ value: true }] },
    metadata: { valid: [{ purpose: "test" }] },
    service_tier: { valid: ["auto", "default"], invalid: [{ value: "flex" }, { value: "fastest" }] },
    modalities: { valid: [["text"]], invalid: [{ value: ["text", "audio"] }] },
    audio: { valid: [{ voice: "alloy", format: "wav" }] },
    prediction: { valid: [{ type: "content", content: "Hello" }] },
    reasoning_effort: { valid: ["low"] },
    verbosity: { valid: ["low"] },
    web_search_options: { valid: [{}] },
    functions: { valid: [[{ name: "get_weather", parameters: { type: "object" } }]] },
    function_call: { valid: ["auto"] },
  },
  completions: {
    ...generation,
    prompt: {
      valid: ["Once upon a time", ["Once upon a time"]],
      invalid: [{ value: ["a", "b"] }, { value: [] }],
    },
    logprobs: { valid: [0, 2], invalid: [{ value: 6 }] },
    best_of: { valid: [1], invalid: [{ value: 2 }] },
    echo: { valid: [false], invalid: [{ value: true }] },
    suffix: { valid: ["The end."] },
  },
  embeddings: {
    model: { valid: [testModelName], invalid: [{ value: "" }] },
    input: {
      valid: ["hello", ["hello", "world"], [1, 2, 3], [[1, 2], [3]]],
      invalid: [{ value: [] }, { value: Array.from({ length: 2049 }, () => "x") }, { value: 5 }],
    },
    encoding_format: { valid: ["float", "base64"], invalid: [{ value: "int8" }] },
    // The test model's embeddings have 64 dimensions.
    dimensions: { valid: [8], invalid: [{ value: 0 }, { value: 1000 }] },
    user: { valid: ["end-user-1"], invalid: [{ value: 5 }] },
  },
};

const baseBodies: Record<TextRoute, Body> = {
  "chat/completions": { model: testModelName, messages: [{ role: "user", content: "Hi" }], max_tokens: 2 },
  completions: { model: testModelName, prompt: "Once", max_tokens: 2 },
  // `float` spelled out: the openai client asks for base64 when the body names no encoding.
  embeddings: { model: testModelName, input: "hello", encoding_format: "float" },
};

const routes: TextRoute[] = ["chat/completions", "completions", "embeddings"];
const isTextRoute = (route: OpenAiRoute): route is TextRoute => (routes as string[]).includes(route);

type Outcome = { status: number; param?: string | null; code?: string | null; message?: string };
type Path = { name: string; send: (route: OpenAiRoute, body: Body) => Promise<Outcome> };

let network: TestNetwork;
let gateway: GatewayNode;

/** Sends with an `openai` client: the route's own method, streams read to their end. */
async function viaClient(client: OpenAI, route: OpenAiRoute, body: Body): Promise<Outcome> {
  try {
    if (route === "embeddings") {
      await client.embeddings.create(body as never);
    } else {
      const result =
        route === "completions"
          ? await client.completions.create(body as never)
          : await client.chat.completions.create(body as never);
      if (body.stream === true) for await (const _ of result as unknown as AsyncIterable<unknown>);
    }
    return { status: 200 };
  } catch (error) {
    if (error instanceof OpenAI.APIError) {
      return { status: error.status ?? 0, param: error.param, code: error.code, message: error.message };
    }
    throw error;
  }
}

/** A signed relay straight to the supplier, as an application would send it. */
async function viaSupplier(route: OpenAiRoute, body: Body): Promise<Outcome> {
  const supplier = network.suppliers[0];
  if (!supplier) throw new Error("no supplier");
  const info = (await (await fetch(`${supplier.endpoint}/v1/supplier`)).json()) as {
    session: { number: string };
  };
  const application = network.applications[0];
  if (!application) throw new Error("no application");
  const { response } = await sendRelay(
    {
      url: supplier.endpoint,
      domain: {
        chainId: network.devnet.chainId,
        verifyingContract: network.devnet.contracts.settlement as Address,
      },
      supplier: supplier.owner.address,
      model: network.modelId,
      session: BigInt(info.session.number),
      inputPrice,
      outputPrice,
    },
    application.address,
    application.privateKey,
    body,
    { route },
  );
  const text = await response.text();
  if (response.status === 200) return { status: 200 };
  const { error } = JSON.parse(text) as {
    error?: { param?: string | null; code?: string | null; message?: string };
  };
  return { status: response.status, param: error?.param, code: error?.code, message: error?.message };
}

const paths: Path[] = [];

beforeAll(async () => {
  network = await startTestNetwork({ suppliers: 1 });
  gateway = await startNetworkGateway(network, {
    routing: {
      strategy: "quality-price",
      maxAttempts: 2,
      firstByteTimeoutMs: 10_000,
      idleTimeoutMs: 10_000,
    },
    defaultMaxTokens: 8,
  });
  const apiKey = (await gateway.store.createKey({ name: "fields" })).key;
  const gatewayClient = new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const directClient = directOpenAiClient(network, { defaultMaxTokens: 8 });
  paths.push(
    { name: "gateway (openai client)", send: (route, body) => viaClient(gatewayClient, route, body) },
    { name: "supplier relay route", send: viaSupplier },
    {
      name: "createAviaryFetch (openai client)",
      send: (route, body) => viaClient(directClient, route, body),
    },
  );
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await network?.stop();
});

const textFields = openAiRequestFields.filter((entry): entry is RequestField & { route: TextRoute } =>
  isTextRoute(entry.route),
);
const entries = textFields.map((entry) => ({ ...entry, label: `${entry.route} ${entry.name}` }));

function expectRefusal(outcome: Outcome, field: string, param: string, what: string): void {
  expect(outcome, what).toMatchObject({ status: 400 });
  expect(outcome.param, `${what}: the 400 names the field`).toBe(param);
  if (param !== field && !param.startsWith(`${field}.`))
    throw new Error(`bad example: ${param} is not in ${field}`);
}

describe("the examples cover the table", () => {
  test("every field of openAiRequestFields has an example, and every example is a field", () => {
    for (const route of routes) {
      const tabled = openAiRequestFields.filter((entry) => entry.route === route).map((entry) => entry.name);
      expect(Object.keys(examples[route]).sort(), route).toEqual([...tabled].sort());
    }
  });

  test("each acceptsValue field has an example it refuses", () => {
    for (const entry of textFields) {
      if (!entry.acceptsValue) continue;
      const invalid = examples[entry.route][entry.name]?.invalid ?? [];
      expect(
        invalid.some((example) => !entry.acceptsValue?.(example.value)),
        `${entry.route} ${entry.name}`,
      ).toBe(true);
    }
  });
});

const pathNames = ["gateway (openai client)", "supplier relay route", "createAviaryFetch (openai client)"];

describe.each(pathNames)("every OpenAI field via %s", (pathName) => {
  const send = (route: OpenAiRoute, body: Body) => {
    const path = paths.find((entry) => entry.name === pathName);
    if (!path) throw new Error(`no path ${pathName}`);
    return path.send(route, body);
  };

  test.each(entries)("$label", async (entry: RequestField & { route: TextRoute; label: string }) => {
    const example = examples[entry.route][entry.name];
    if (!example) throw new Error(`no example for ${entry.route} ${entry.name}`);
    const base = baseBodies[entry.route];
    for (const value of example.valid) {
      const outcome = await send(entry.route, { ...base, ...example.with, [entry.name]: value });
      const what = `${entry.name}: ${JSON.stringify(value)}`;
      if (entry.embedded === "refused") {
        expectRefusal(outcome, entry.name, entry.name, what);
        expect(outcome.code, what).toBe("unsupported_parameter");
      } else {
        expect(outcome, what).toEqual({ status: 200 });
      }
    }
    for (const invalid of example.invalid ?? []) {
      const body = { ...base, ...invalid.with, [entry.name]: invalid.value };
      const outcome = await send(entry.route, body);
      expectRefusal(
        outcome,
        entry.name,
        invalid.param ?? entry.name,
        `${entry.name}: ${JSON.stringify(invalid.value).slice(0, 80)}`,
      );
    }
  });

  test.each(routes)("%s: a field OpenAI does not define is refused by name", async (route) => {
    expect(requestField(route, "foo_bar")).toBeUndefined();
    const outcome = await send(route, { ...baseBodies[route], foo_bar: 1 });
    expectRefusal(outcome, "foo_bar", "foo_bar", "foo_bar");
    expect(outcome.code).toBe("unsupported_parameter");
  });
});
