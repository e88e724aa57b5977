import { describe, expect, it } from "vitest";
import { RelayBodyInvalidError } from "../errors.ts";
import { parseRelayBody } from "./parseRelayBody.ts";

const encoder = new TextEncoder();
const bytes = (value: unknown) => encoder.encode(typeof value === "string" ? value : JSON.stringify(value));
const chat = { model: "m", messages: [{ role: "user", content: "hi" }] };

function refusal(run: () => unknown): RelayBodyInvalidError {
  try {
    run();
  } catch (error) {
    if (error instanceof RelayBodyInvalidError) return error;
    throw error;
  }
  throw new Error("expected a RelayBodyInvalidError");
}

describe("parseRelayBody", () => {
  it("test_parseRelayBody_valid_splitsProviderOffTheBody", () => {
    const parsed = parseRelayBody({
      route: "chat/completions",
      bytes: bytes({ ...chat, stream: true, provider: { sort: "price" } }),
    });
    expect(parsed.model).toBe("m");
    expect(parsed.stream).toBe(true);
    expect(parsed.provider).toMatchObject({ sort: "price", allow_fallbacks: true });
    expect(parsed.body).not.toHaveProperty("provider");
  });

  it("test_parseRelayBody_defaults_mergedKeyByKeyUnderTheBodysOwn", () => {
    const ignored = "0x1111111111111111111111111111111111111111";
    const parsed = parseRelayBody({
      route: "chat/completions",
      bytes: bytes({ ...chat, provider: { sort: "latency" } }),
      defaultProvider: { ignore: [ignored], sort: "price" },
    });
    expect(parsed.provider).toMatchObject({ ignore: [ignored], sort: "latency" });
    expect(
      parseRelayBody({ route: "chat/completions", bytes: bytes(chat), defaultProvider: { sort: "price" } })
        .provider?.sort,
    ).toBe("price");
    expect(parseRelayBody({ route: "chat/completions", bytes: bytes(chat) }).provider).toBeUndefined();
  });

  it("test_parseRelayBody_invalid_refusedWithTheOpenAiCodeAndParam", () => {
    expect(refusal(() => parseRelayBody({ route: "chat/completions", bytes: bytes("{nope") }))).toMatchObject(
      {
        code: "invalid_json",
        param: null,
      },
    );
    expect(
      refusal(() =>
        parseRelayBody({ route: "chat/completions", bytes: bytes({ model: "m", messages: [] }) }),
      ),
    ).toMatchObject({ code: "invalid_request", param: "messages" });
    expect(
      refusal(() =>
        parseRelayBody({
          route: "chat/completions",
          bytes: bytes({ ...chat, provider: { sort: "fastest" } }),
        }),
      ),
    ).toMatchObject({ code: "invalid_provider", param: "provider.sort" });
  });

  it("test_parseRelayBody_imagesStream_refusedNamingStream", () => {
    const image = { model: "img", prompt: "a fox" };
    expect(
      refusal(() =>
        parseRelayBody({ route: "images/generations", bytes: bytes({ ...image, stream: true }) }),
      ),
    ).toMatchObject({ code: "invalid_request", param: "stream" });
    expect(
      parseRelayBody({ route: "images/generations", bytes: bytes({ ...image, stream: false }) }).stream,
    ).toBe(false);
    expect(
      refusal(() => parseRelayBody({ route: "images/generations", bytes: bytes({ ...image, n: 11 }) })),
    ).toMatchObject({ code: "invalid_request", param: "n" });
  });
});

describe("parseRelayBody models", () => {
  it("test_parseRelayBody_models_splitOffAsFallbacksInOrder", () => {
    const parsed = parseRelayBody({
      route: "chat/completions",
      bytes: bytes({ ...chat, models: ["m", "b", "a", "b"] }),
    });
    expect(parsed.fallbackModels).toEqual(["b", "a"]);
    expect(parsed.body).not.toHaveProperty("models");
    expect(parseRelayBody({ route: "chat/completions", bytes: bytes(chat) }).fallbackModels).toEqual([]);
  });

  it.each([
    [[], "models", /at least one/],
    ["b", "models", /array/],
    [["b", 3], "models.1", /strings/],
    [["b", ""], "models.1", /empty/],
    [["1", "2", "3", "4", "5", "6", "7", "8", "9"], "models", /at most 8/],
  ])("test_parseRelayBody_models_invalid_namesField %#", (models, param, message) => {
    const error = refusal(() =>
      parseRelayBody({ route: "chat/completions", bytes: bytes({ ...chat, models }) }),
    );
    expect(error).toMatchObject({ code: "invalid_request", param });
    expect(error.shortMessage).toMatch(message);
  });
});
