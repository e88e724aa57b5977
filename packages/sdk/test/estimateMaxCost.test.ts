// The maxCost a relay signs: prompt UTF-8 bytes + 16 per message at the input price, plus the output limit
// (max_completion_tokens, else max_tokens, else 256) at the output price.
import { toChatHistory } from "@aviary/protocol";
import { describe, expect, it } from "vitest";
import { estimateMaxCost } from "../src/relay/estimateMaxCost.ts";

describe("estimateMaxCost", () => {
  it("chat: bytes of every message's text (multi-byte characters count in bytes) + 16 per turn, the open assistant turn included", () => {
    const body = {
      model: "m",
      messages: [
        { role: "system", content: "Be brief." }, // 9 bytes
        { role: "user", content: [{ type: "text", text: "héllo" }], name: "ann" }, // 6 + 3 bytes
      ],
      max_tokens: 10,
    };
    expect(estimateMaxCost({ route: "chat/completions", body, inputPrice: 2n, outputPrice: 5n })).toEqual({
      inputUnits: 9n + 9n + 48n,
      outputUnits: 10n,
      maxCost: (9n + 9n + 48n) * 2n + 10n * 5n,
    });
  });

  it("uses max_completion_tokens first, then max_tokens, then 256", () => {
    const messages = [{ role: "user", content: "" }];
    const cost = (extra: Record<string, unknown>) =>
      estimateMaxCost({
        route: "chat/completions",
        body: { messages, ...extra },
        inputPrice: 0n,
        outputPrice: 1n,
      }).outputUnits;
    expect(cost({ max_completion_tokens: 7, max_tokens: 9 })).toBe(7n);
    expect(cost({ max_tokens: 9 })).toBe(9n);
    expect(cost({})).toBe(256n);
    expect(
      estimateMaxCost({
        route: "chat/completions",
        body: { messages },
        inputPrice: 0n,
        outputPrice: 1n,
        defaultMaxTokens: 32,
      }).outputUnits,
    ).toBe(32n);
  });

  it("completions count the prompt as one message; embeddings each input, and no output", () => {
    expect(
      estimateMaxCost({
        route: "completions",
        body: { prompt: "abc", max_tokens: 4 },
        inputPrice: 1n,
        outputPrice: 1n,
      }),
    ).toEqual({
      inputUnits: 19n,
      outputUnits: 4n,
      maxCost: 23n,
    });
    expect(
      estimateMaxCost({
        route: "embeddings",
        body: { input: ["ab", "cde"] },
        inputPrice: 3n,
        outputPrice: 100n,
      }),
    ).toEqual({
      inputUnits: 5n + 32n,
      outputUnits: 0n,
      maxCost: 37n * 3n,
    });
  });
});

describe("estimateMaxCost with tools and token ids", () => {
  it("covers the rendered tool instructions, assistant calls and tool results", () => {
    const body = {
      model: "m",
      messages: [
        { role: "user", content: "Weather in Paris?" },
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
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
      ],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
    };
    const history = toChatHistory({
      messages: body.messages as Parameters<typeof toChatHistory>[0]["messages"],
      tools: [{ name: "get_weather", parameters: { type: "object" } }],
    });
    const renderedBytes = history
      .map(
        (entry) =>
          new TextEncoder().encode(entry.type === "model" ? entry.response.join("") : entry.text).length,
      )
      .reduce((sum, bytes) => sum + bytes, 0);
    const { inputUnits } = estimateMaxCost({
      route: "chat/completions",
      body,
      inputPrice: 1n,
      outputPrice: 1n,
    });
    expect(inputUnits).toBe(BigInt(renderedBytes) + 16n * BigInt(history.length));
    // The instructions alone are longer than the messages' text: they must be in the bound.
    expect(renderedBytes).toBeGreaterThan(300);
  });

  it("counts a token id as one unit", () => {
    const single = estimateMaxCost({
      route: "embeddings",
      body: { input: [1, 2, 3] },
      inputPrice: 1n,
      outputPrice: 0n,
    });
    expect(single.inputUnits).toBe(3n + 16n);
    const batch = estimateMaxCost({
      route: "embeddings",
      body: { input: [[1, 2], [3]] },
      inputPrice: 1n,
      outputPrice: 0n,
    });
    expect(batch.inputUnits).toBe(3n + 32n);
  });
});
