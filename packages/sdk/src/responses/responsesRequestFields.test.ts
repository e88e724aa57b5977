import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RelayBodyInvalidError } from "../errors.ts";
import { type ResponsesFieldSupport, responsesRequestFields } from "./responsesRequestFields.ts";
import { toChatCompletionRequest } from "./toChatCompletionRequest.ts";

const encoder = new TextEncoder();

/** A value each field accepts, so that every `supported` / `no_effect` row is shown to pass the translation. */
const accepted: Record<string, unknown> = {
  model: "m",
  input: "x",
  instructions: "Be brief.",
  max_output_tokens: 8,
  temperature: 0.5,
  top_p: 0.5,
  seed: 1,
  tools: [{ type: "function", name: "f", parameters: { type: "object" }, strict: true }],
  tool_choice: "auto",
  parallel_tool_calls: false,
  text: { format: { type: "json_object" } },
  stream: true,
  stream_options: { include_obfuscation: false },
  metadata: { a: "b" },
  user: "u",
  safety_identifier: "s",
  prompt_cache_key: "k",
  prompt_cache_retention: "24h",
  prompt_cache_options: { mode: "implicit" },
  store: true,
  service_tier: "default",
  truncation: "disabled",
  background: false,
  include: [],
  top_logprobs: 0,
};

/** A value a field refuses (`refused` rows: any value; `some values` rows: one outside them). */
const refusedValue: Record<string, unknown> = {
  service_tier: "flex",
  truncation: "auto",
  background: true,
  include: ["message.output_text.logprobs"],
  top_logprobs: 3,
};

describe("responsesRequestFields", () => {
  it("test_responsesRequestFields_everyAcceptedRow_translates", () => {
    for (const entry of responsesRequestFields.filter((field) => field.support !== "refused")) {
      expect(entry.name in accepted, `an accepted value for ${entry.name}`).toBe(true);
      const body = { model: "m", input: "x", [entry.name]: accepted[entry.name] };
      expect(
        () => toChatCompletionRequest({ bytes: encoder.encode(JSON.stringify(body)) }),
        entry.name,
      ).not.toThrow();
    }
  });

  it("test_responsesRequestFields_everyRefusedValue_400NamingTheField", () => {
    for (const entry of responsesRequestFields) {
      if (entry.support !== "refused" && !entry.acceptsValue) continue;
      const value = entry.support === "refused" ? { any: 1 } : refusedValue[entry.name];
      expect(value, `a refused value for ${entry.name}`).toBeDefined();
      const body = { model: "m", input: "x", [entry.name]: value };
      let error: unknown;
      try {
        toChatCompletionRequest({ bytes: encoder.encode(JSON.stringify(body)) });
      } catch (caught) {
        error = caught;
      }
      expect(error, entry.name).toBeInstanceOf(RelayBodyInvalidError);
      expect(error).toMatchObject({ code: "unsupported_parameter", param: entry.name });
    }
  });
});

// The docs' table (docs/gateway.md) is rendered from the table: it cannot drift. `UPDATE_DOCS=1` rewrites it.
const docsPath = fileURLToPath(new URL("../../../../docs/gateway.md", import.meta.url));
const start =
  "<!-- responses-request-fields:start (generated from responsesRequestFields: see responsesRequestFields.test.ts) -->";
const end = "<!-- responses-request-fields:end -->";
const words: Record<ResponsesFieldSupport, string> = {
  supported: "supported",
  no_effect: "no effect",
  refused: "refused",
};

function renderTable(): string {
  const lines = ["", "| Field | Aviary | Notes |", "|---|---|---|"];
  for (const entry of responsesRequestFields) {
    lines.push(
      `| \`${entry.name}\` | ${words[entry.support]}${entry.acceptsValue ? " (some values)" : ""} | ${entry.note} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}

describe("docs/gateway.md's Responses field table", () => {
  it("test_docsTable_listsExactlyTheResponsesFields", () => {
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
      "run UPDATE_DOCS=1 npx vitest run responsesRequestFields.test.ts",
    ).toBe(expected);
  });
});
