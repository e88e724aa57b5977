import { describe, expect, test } from "vitest";
import { parseOpenAiBody } from "./parseOpenAiBody.ts";
import type { OpenAiRoute } from "./schemas.ts";

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const chat = (extra: Record<string, unknown> = {}) => ({
  model: "m",
  messages: [{ role: "user", content: "Hi" }],
  ...extra,
});
const tool = { type: "function", function: { name: "get_weather", parameters: { type: "object" } } };

/** The `param` of the 400, or "ok". */
function paramOf(route: OpenAiRoute, body: unknown): string | null {
  const parsed = parseOpenAiBody(route, bytes(body));
  return parsed.ok ? "ok" : parsed.param;
}

describe("parseOpenAiBody", () => {
  test("test_parseOpenAiBody_validBodies_passAsSent_unknownFieldsIncluded", () => {
    const body = chat({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Answer." }] },
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } },
          ],
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "c1", content: "Sunny" },
      ],
      tools: [{ ...tool, function: { ...tool.function, strict: true, vendor_hint: 1 } }],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: false,
      response_format: {
        type: "json_schema",
        json_schema: { name: "a", schema: { type: "object" }, strict: true },
      },
      logprobs: true,
      top_logprobs: 20,
      frequency_penalty: -2,
      presence_penalty: 2,
      logit_bias: { "1": -100, "2": 100 },
      top_k: 40,
    });
    const parsed = parseOpenAiBody("chat/completions", bytes(body));
    expect(parsed).toEqual({ ok: true, body });
    for (const input of ["a", ["a", "b"], [1, 2], [[1], [2, 3]]]) {
      expect(paramOf("embeddings", { model: "m", input, encoding_format: "base64", dimensions: 8 })).toBe(
        "ok",
      );
    }
    expect(paramOf("completions", { model: "m", prompt: "x", logprobs: 5, best_of: 1, echo: false })).toBe(
      "ok",
    );
  });

  test("test_parseOpenAiBody_badValues_nameTheirPath", () => {
    const cases: Array<[OpenAiRoute, unknown, string]> = [
      ["chat/completions", chat({ messages: [] }), "messages"],
      ["chat/completions", chat({ messages: [{ role: "robot", content: "x" }] }), "messages.0.role"],
      ["chat/completions", chat({ messages: [{ role: "tool", content: "x" }] }), "messages.0.tool_call_id"],
      ["chat/completions", chat({ messages: [{ role: "assistant" }] }), "messages.0.content"],
      [
        "chat/completions",
        chat({ messages: [{ role: "user", content: [{ type: "video" }] }] }),
        "messages.0.content",
      ],
      [
        "chat/completions",
        chat({ tools: [{ type: "function", function: { name: "a b" } }] }),
        "tools.0.function.name",
      ],
      ["chat/completions", chat({ tools: [] }), "tools"],
      ["chat/completions", chat({ tools: [tool], tool_choice: "sometimes" }), "tool_choice"],
      [
        "chat/completions",
        chat({ tools: [tool], tool_choice: { type: "function", function: { name: "other" } } }),
        "tool_choice.function.name",
      ],
      ["chat/completions", chat({ tool_choice: "required" }), "tool_choice"],
      ["chat/completions", chat({ response_format: { type: "xml" } }), "response_format.type"],
      ["chat/completions", chat({ top_logprobs: 2 }), "top_logprobs"],
      ["chat/completions", chat({ logprobs: true, top_logprobs: 21 }), "top_logprobs"],
      ["chat/completions", chat({ frequency_penalty: 2.1 }), "frequency_penalty"],
      ["chat/completions", chat({ presence_penalty: -2.1 }), "presence_penalty"],
      ["chat/completions", chat({ logit_bias: { abc: 1 } }), "logit_bias.abc"],
      ["chat/completions", chat({ logit_bias: { "1": 101 } }), "logit_bias.1"],
      [
        "chat/completions",
        chat({
          logit_bias: Object.fromEntries(Array.from({ length: 301 }, (_, index) => [String(index), 0])),
        }),
        "logit_bias",
      ],
      ["completions", { model: "m", prompt: "x", logprobs: 6 }, "logprobs"],
      ["completions", { model: "m", prompt: [] }, "prompt"],
      ["embeddings", { model: "m", input: [] }, "input"],
      ["embeddings", { model: "m", input: Array.from({ length: 2049 }, () => "x") }, "input"],
      ["embeddings", { model: "m", input: "x", encoding_format: "int8" }, "encoding_format"],
      ["embeddings", { model: "m", input: "x", dimensions: 0 }, "dimensions"],
    ];
    for (const [route, body, param] of cases)
      expect(paramOf(route, body), JSON.stringify(body).slice(0, 120)).toBe(param);
  });

  test("test_parseOpenAiBody_badRecordKey_saysWhatKeysMustBe", () => {
    const parsed = parseOpenAiBody("chat/completions", bytes(chat({ logit_bias: { abc: 1 } })));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain("token ids");
  });
});

describe("JSON Schemas nested too deep", () => {
  const nested = (levels: number) => {
    let schema: Record<string, unknown> = { type: "integer" };
    for (let level = 1; level < levels; level++) schema = { type: "object", properties: { a: schema } };
    return schema;
  };
  const body = (schema: Record<string, unknown>) =>
    new TextEncoder().encode(
      JSON.stringify({
        model: "m",
        messages: [{ role: "user", content: "hi" }],
        response_format: { type: "json_schema", json_schema: { name: "deep", schema } },
        tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
      }),
    );

  test("test_deeplyNestedSchema_400NamingIt_beforeAnyRecursiveReader", () => {
    // Each level is an object and its `properties` object: 40 levels are 79 deep, 30 are 59.
    expect(parseOpenAiBody("chat/completions", body(nested(30))).ok).toBe(true);
    const refused = parseOpenAiBody("chat/completions", body(nested(40)));
    expect(refused).toMatchObject({ ok: false, param: "response_format.json_schema.schema" });
    // Far deeper than any stack allows is refused the same way, without overflowing.
    expect(parseOpenAiBody("chat/completions", body(nested(1_000)))).toMatchObject({
      ok: false,
      param: "response_format.json_schema.schema",
    });
  });
});

describe("tools checked across fields at the edge", () => {
  const chat = (extra: Record<string, unknown>) =>
    new TextEncoder().encode(
      JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], ...extra }),
    );
  const tool = (name: string) => ({ type: "function", function: { name } });

  test("test_toolsAcrossFields_duplicateNamesAndAChoiceWithoutTools_400NamingThePath", () => {
    expect(parseOpenAiBody("chat/completions", chat({ tools: [tool("a"), tool("a")] }))).toMatchObject({
      ok: false,
      param: "tools.1.function.name",
    });
    for (const choice of ["auto", "required"]) {
      expect(parseOpenAiBody("chat/completions", chat({ tool_choice: choice }))).toMatchObject({
        ok: false,
        param: "tool_choice",
      });
    }
    expect(parseOpenAiBody("chat/completions", chat({ tool_choice: "none" })).ok).toBe(true);
    expect(
      parseOpenAiBody("chat/completions", chat({ tools: [tool("a"), tool("b")], tool_choice: "auto" })).ok,
    ).toBe(true);
  });
});
