import { keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import { parseRelayBody } from "./parseRelayBody.ts";
import { prepareRelayBody, relayMaxCost } from "./prepareRelayBody.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const prepare = (
  route: "chat/completions" | "embeddings" | "images/generations",
  body: unknown,
  defaultMaxTokens?: number,
) =>
  prepareRelayBody({
    parsed: parseRelayBody({ route, bytes: encoder.encode(JSON.stringify(body)) }),
    defaultMaxTokens,
  });
const sent = (prepared: ReturnType<typeof prepare>) =>
  JSON.parse(decoder.decode(prepared.bytes)) as Record<string, unknown>;

describe("prepareRelayBody", () => {
  it("test_prepareRelayBody_limit_writtenAsMaxTokens", () => {
    const prepared = prepare("chat/completions", {
      model: "m",
      messages: [{ role: "user", content: "héllo" }],
      max_completion_tokens: 7,
      max_tokens: 99,
      provider: { sort: "price" },
    });
    expect(sent(prepared)).toEqual({
      model: "m",
      messages: [{ role: "user", content: "héllo" }],
      max_tokens: 7,
    });
    expect(prepared.outputUnits).toBe(7n);
    // 6 UTF-8 bytes + 16 for the message + 16 for the open assistant turn.
    expect(prepared.inputUnits).toBe(38n);
    expect(prepared.bodyHash).toBe(keccak256(prepared.bytes));
    expect(prepared.modelId).toBe(keccak256(encoder.encode("m")));
    expect(relayMaxCost(prepared, { inputPrice: 2n, outputPrice: 3n })).toBe(38n * 2n + 7n * 3n);
  });

  it("test_prepareRelayBody_noLimit_usesTheDefault", () => {
    const prepared = prepare(
      "chat/completions",
      { model: "m", messages: [{ role: "user", content: "x" }] },
      12,
    );
    expect(sent(prepared).max_tokens).toBe(12);
  });

  it("test_prepareRelayBody_stream_alwaysAsksForUsage", () => {
    const prepared = prepare("chat/completions", {
      model: "m",
      messages: [{ role: "user", content: "x" }],
      stream: true,
      stream_options: { include_usage: false, other: 1 },
    });
    expect(sent(prepared).stream_options).toEqual({ include_usage: true, other: 1 });
  });

  it("test_prepareRelayBody_embeddings_noOutputLimit", () => {
    const prepared = prepare("embeddings", { model: "m", input: ["a", "b"] });
    expect(sent(prepared)).not.toHaveProperty("max_tokens");
    expect(prepared.outputUnits).toBe(0n);
    expect(prepared.inputUnits).toBe(2n + 32n);
  });

  it("test_prepareRelayBody_images_unitsAreImagesTimesSteps_writtenIntoTheBody", () => {
    const prepared = prepare("images/generations", {
      model: "img",
      prompt: "a fox",
      n: 3,
      steps: 7,
      response_format: "url",
    });
    const body = sent(prepared);
    expect(body).toMatchObject({ n: 3, steps: 7, size: "256x256", response_format: "b64_json" });
    expect(body).not.toHaveProperty("max_tokens");
    expect(typeof body.seed).toBe("number");
    expect(prepared.inputUnits).toBe(0n);
    expect(prepared.outputUnits).toBe(21n);
    expect(relayMaxCost(prepared, { inputPrice: 100n, outputPrice: 5n })).toBe(105n);
    const defaults = sent(prepare("images/generations", { model: "img", prompt: "a fox", seed: 9 }));
    expect(defaults).toMatchObject({ n: 1, steps: 20, seed: 9 });
  });
});
