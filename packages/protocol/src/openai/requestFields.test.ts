import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import {
  type FieldSupport,
  openAiRequestFields,
  type RequestField,
  type RuntimeCapabilities,
  requestField,
  unsupportedRequestField,
} from "./requestFields.ts";
import type { OpenAiRoute } from "./schemas.ts";

const embedded: RuntimeCapabilities = {
  backend: "embedded",
  tools: true,
  jsonSchema: true,
  logprobs: true,
  images: false,
  contextLength: 2048,
};
const openai: RuntimeCapabilities = {
  backend: "openai",
  tools: false,
  jsonSchema: false,
  logprobs: false,
  images: false,
  contextLength: null,
};

const chat = (extra: Record<string, unknown> = {}) => ({
  model: "m",
  messages: [{ role: "user", content: "Hi" }],
  ...extra,
});
const weatherTool = { type: "function", function: { name: "get_weather", parameters: { type: "object" } } };

describe("unsupportedRequestField", () => {
  test("test_unsupportedRequestField_embedded_refusesUnknownAndRefusedFields", () => {
    expect(unsupportedRequestField("chat/completions", chat(), embedded)).toBeUndefined();
    expect(unsupportedRequestField("chat/completions", chat({ foo_bar: 1 }), embedded)?.param).toBe(
      "foo_bar",
    );
    expect(unsupportedRequestField("chat/completions", chat({ audio: {} }), embedded)?.param).toBe("audio");
    expect(unsupportedRequestField("chat/completions", chat({ n: 2 }), embedded)?.param).toBe("n");
    expect(unsupportedRequestField("chat/completions", chat({ n: 1 }), embedded)).toBeUndefined();
    expect(unsupportedRequestField("completions", { model: "m", prompt: ["a", "b"] }, embedded)?.param).toBe(
      "prompt",
    );
    // Router fields never reach a supplier; null is "not set".
    expect(
      unsupportedRequestField("chat/completions", chat({ provider: {}, models: [], audio: null }), embedded),
    ).toBeUndefined();
  });

  test("test_unsupportedRequestField_openai_passesEveryFieldButUndeclaredCapabilities", () => {
    expect(
      unsupportedRequestField("chat/completions", chat({ top_k: 40, audio: {}, n: 1 }), openai),
    ).toBeUndefined();
    // maxCost is signed for one output: more choices could never be paid for, whatever the backend.
    expect(unsupportedRequestField("chat/completions", chat({ n: 3 }), openai)?.param).toBe("n");
    expect(unsupportedRequestField("completions", { model: "m", prompt: ["a", "b"] }, openai)?.param).toBe(
      "prompt",
    );
    expect(unsupportedRequestField("chat/completions", chat({ tools: [weatherTool] }), openai)?.param).toBe(
      "tools",
    );
    expect(
      unsupportedRequestField("chat/completions", chat({ tool_choice: "none" }), openai),
    ).toBeUndefined();
    expect(unsupportedRequestField("chat/completions", chat({ tool_choice: "auto" }), openai)?.param).toBe(
      "tool_choice",
    );
    expect(
      unsupportedRequestField("chat/completions", chat({ response_format: { type: "json_object" } }), openai)
        ?.param,
    ).toBe("response_format");
    expect(
      unsupportedRequestField("chat/completions", chat({ response_format: { type: "text" } }), openai),
    ).toBeUndefined();
    expect(unsupportedRequestField("chat/completions", chat({ logprobs: true }), openai)?.param).toBe(
      "logprobs",
    );
    expect(unsupportedRequestField("chat/completions", chat({ logprobs: false }), openai)).toBeUndefined();
    expect(
      unsupportedRequestField("completions", { model: "m", prompt: "x", logprobs: 0 }, openai)?.param,
    ).toBe("logprobs");
    const everything = { ...openai, tools: true, jsonSchema: true, logprobs: true };
    expect(
      unsupportedRequestField(
        "chat/completions",
        chat({ tools: [weatherTool], response_format: { type: "json_object" }, logprobs: true }),
        everything,
      ),
    ).toBeUndefined();
  });

  test("test_unsupportedRequestField_messages_toolTurnsNeedTools_partsNeedTheirCapability", () => {
    const toolTurns = [
      { role: "user", content: "Weather?" },
      { role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: {} }] },
      { role: "tool", tool_call_id: "c", content: "Sunny" },
    ];
    expect(
      unsupportedRequestField("chat/completions", chat({ messages: toolTurns }), embedded),
    ).toBeUndefined();
    expect(unsupportedRequestField("chat/completions", chat({ messages: toolTurns }), openai)?.param).toBe(
      "messages.1.tool_calls",
    );
    const image = [
      {
        role: "user",
        content: [
          { type: "text", text: "What is it?" },
          { type: "image_url", image_url: { url: "https://example.com/a.png" } },
        ],
      },
    ];
    expect(unsupportedRequestField("chat/completions", chat({ messages: image }), embedded)?.param).toBe(
      "messages.0.content.1",
    );
    expect(unsupportedRequestField("chat/completions", chat({ messages: image }), openai)?.param).toBe(
      "messages.0.content.1",
    );
    expect(
      unsupportedRequestField("chat/completions", chat({ messages: image }), { ...openai, images: true }),
    ).toBeUndefined();
    const audio = [
      { role: "user", content: [{ type: "input_audio", input_audio: { data: "", format: "wav" } }] },
    ];
    expect(unsupportedRequestField("chat/completions", chat({ messages: audio }), embedded)?.param).toBe(
      "messages.0.content.0",
    );
    expect(unsupportedRequestField("chat/completions", chat({ messages: audio }), openai)).toBeUndefined();
  });

  test("test_requestField_everyAcceptsValueAcceptsNull", () => {
    for (const entry of openAiRequestFields) {
      // `prompt` is required: the schema refuses null before this rule runs.
      if (entry.acceptsValue && entry.name !== "prompt")
        expect(entry.acceptsValue(null), `${entry.route} ${entry.name}`).toBe(true);
    }
    expect(requestField("chat/completions", "tools")?.embedded).toBe("supported");
    expect(requestField("embeddings", "tools")).toBeUndefined();
  });
});

// The docs' table (docs/gateway.md) is rendered from the table above: it cannot drift. `UPDATE_DOCS=1` rewrites it.
const docsPath = fileURLToPath(new URL("../../../../docs/gateway.md", import.meta.url));
const start =
  "<!-- openai-request-fields:start (generated from openAiRequestFields: see requestFields.test.ts) -->";
const end = "<!-- openai-request-fields:end -->";

const words: Record<FieldSupport, string> = {
  supported: "supported",
  no_effect: "no effect",
  refused: "refused",
};
const routeTitles: Record<OpenAiRoute, string> = {
  "chat/completions": "`POST /v1/chat/completions`",
  completions: "`POST /v1/completions`",
  embeddings: "`POST /v1/embeddings`",
  "images/generations": "`POST /v1/images/generations`",
};

/** The capability an `openai` backend must declare for a field, with a value that needs it. */
const gates: Record<string, { capability: keyof RuntimeCapabilities; value: unknown } | undefined> = {
  "chat/completions tools": { capability: "tools", value: [weatherTool] },
  "chat/completions tool_choice": { capability: "tools", value: "required" },
  "chat/completions response_format": { capability: "jsonSchema", value: { type: "json_schema" } },
  "chat/completions logprobs": { capability: "logprobs", value: true },
  "chat/completions top_logprobs": { capability: "logprobs", value: 2 },
  "completions logprobs": { capability: "logprobs", value: 2 },
};

function openAiCell(entry: RequestField): string {
  const gate = gates[`${entry.route} ${entry.name}`];
  if (entry.route === "chat/completions" && entry.name === "messages") {
    return "passed through; image parts need `images`, tool turns `tools`";
  }
  if (entry.boundsCost) return `passed through, ${entry.note} (maxCost covers one output)`;
  return gate ? `passed through if \`${gate.capability}\`` : "passed through";
}

function renderTable(): string {
  const lines: string[] = [];
  for (const route of Object.keys(routeTitles) as OpenAiRoute[]) {
    lines.push(
      "",
      routeTitles[route],
      "",
      "| Field | Embedded runtime | `openai` backend | On the embedded runtime |",
      "|---|---|---|---|",
    );
    for (const entry of openAiRequestFields.filter((field) => field.route === route)) {
      const embeddedCell = words[entry.embedded] + (entry.acceptsValue ? " (some values)" : "");
      lines.push(`| \`${entry.name}\` | ${embeddedCell} | ${openAiCell(entry)} | ${entry.note} |`);
    }
  }
  return `${lines.join("\n")}\n`;
}

describe("unsupportedRequestField on image models", () => {
  const imageModel: RuntimeCapabilities = {
    ...embedded,
    tools: false,
    jsonSchema: false,
    logprobs: false,
    image: { sizes: ["64x64", "256x256"], maxSteps: 50, maxPromptCharacters: 100 },
  };
  const draw = (extra: Record<string, unknown> = {}) => ({ model: "m", prompt: "a red fox", ...extra });

  test("test_unsupportedRequestField_images_routeAndModelKindMustAgree", () => {
    expect(unsupportedRequestField("images/generations", draw(), imageModel)).toBeUndefined();
    // A text model named on the images route, and an image model named on a text route: `model` is wrong.
    expect(unsupportedRequestField("images/generations", draw(), embedded)?.param).toBe("model");
    expect(unsupportedRequestField("chat/completions", chat(), imageModel)?.param).toBe("model");
    expect(unsupportedRequestField("images/generations", draw(), openai)?.param).toBe("model");
  });

  test("test_unsupportedRequestField_images_refusesWhatTheModelCannotRender", () => {
    expect(
      unsupportedRequestField("images/generations", draw({ size: "256x256" }), imageModel),
    ).toBeUndefined();
    expect(unsupportedRequestField("images/generations", draw({ size: "512x512" }), imageModel)?.param).toBe(
      "size",
    );
    expect(unsupportedRequestField("images/generations", draw({ steps: 50 }), imageModel)).toBeUndefined();
    expect(unsupportedRequestField("images/generations", draw({ steps: 51 }), imageModel)?.param).toBe(
      "steps",
    );
    const long = "x".repeat(101);
    expect(unsupportedRequestField("images/generations", draw({ prompt: long }), imageModel)?.param).toBe(
      "prompt",
    );
    expect(
      unsupportedRequestField("images/generations", draw({ negative_prompt: long }), imageModel)?.param,
    ).toBe("negative_prompt");
    // OpenAI options with no open-model equivalent are refused by name; stream only as false.
    for (const name of ["quality", "style", "background", "output_format", "partial_images"]) {
      expect(unsupportedRequestField("images/generations", draw({ [name]: "x" }), imageModel)?.param).toBe(
        name,
      );
    }
    expect(unsupportedRequestField("images/generations", draw({ stream: true }), imageModel)?.param).toBe(
      "stream",
    );
    expect(
      unsupportedRequestField("images/generations", draw({ stream: false }), imageModel),
    ).toBeUndefined();
  });
});

describe("docs/gateway.md's field table", () => {
  test("test_docsTable_listsExactlyTheTablesFieldsAndStatuses", () => {
    const docs = readFileSync(docsPath, "utf8");
    const from = docs.indexOf(start);
    const to = docs.indexOf(end);
    expect(from, `docs/gateway.md has the markers ${start} … ${end}`).toBeGreaterThan(-1);
    expect(to).toBeGreaterThan(from);
    const expected = renderTable();
    if (process.env.UPDATE_DOCS === "1") {
      writeFileSync(docsPath, docs.slice(0, from + start.length) + expected + docs.slice(to));
      return;
    }
    expect(
      docs.slice(from + start.length, to),
      "run UPDATE_DOCS=1 npx vitest run requestFields.test.ts",
    ).toBe(expected);
  });

  test("test_docsTable_capabilityGatesAreTheRulesOwn", () => {
    for (const [key, gate] of Object.entries(gates)) {
      if (!gate) continue;
      const [route, name] = key.split(" ") as [OpenAiRoute, string];
      const base = route === "completions" ? { model: "m", prompt: "x" } : chat();
      const body = { ...base, [name]: gate.value };
      const all = { ...openai, tools: true, jsonSchema: true, logprobs: true, images: true };
      expect(unsupportedRequestField(route, body, all), key).toBeUndefined();
      expect(unsupportedRequestField(route, body, { ...all, [gate.capability]: false })?.param, key).toBe(
        name,
      );
    }
  });
});
