import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTestModel, testModelVocabulary } from "@aviary/test-models";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { BackendRequest } from "../Backend.ts";
import { BackendInvalidRequestError } from "../errors.ts";
import { EmbeddedBackend } from "./EmbeddedBackend.ts";

type LogprobEntry = { token: string; logprob: number; bytes: number[] };
type ChatLogprobs = { content: Array<LogprobEntry & { top_logprobs: LogprobEntry[] }>; refusal: null };
type ChatChoice = { message: { content: string }; logprobs: ChatLogprobs | null; finish_reason: string };
type CompletionLogprobs = {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Array<Record<string, number>>;
  text_offset: number[];
};

let directory: string;
let backend: EmbeddedBackend;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "aviary-embedded-sampling-"));
  const model = await ensureTestModel({ directory, preset: "tiny", seed: 42 });
  backend = new EmbeddedBackend({ modelPath: model.path, expectedSha256: model.sha256, contextSize: 512 });
  await backend.start();
});

afterAll(async () => {
  await backend?.close();
  await rm(directory, { recursive: true, force: true });
});

const messages = [{ role: "user", content: "Tell me about birds in the sky." }];
const request = (route: BackendRequest["route"], body: Record<string, unknown>): BackendRequest => ({
  route,
  body,
  signal: AbortSignal.timeout(20_000),
});

async function chat(body: Record<string, unknown>) {
  const { body: response, usage } = await backend.complete(
    request("chat/completions", { messages, ...body }),
  );
  return { choice: (response.choices as ChatChoice[])[0] as ChatChoice, usage };
}

async function streamChat(body: Record<string, unknown>) {
  const chunks: Array<{ delta: { content?: string }; logprobs: ChatLogprobs | null }> = [];
  for await (const event of backend.stream(request("chat/completions", { messages, ...body }))) {
    if (event.type === "chunk") chunks.push((event.chunk.choices as typeof chunks)[0] as (typeof chunks)[0]);
  }
  return chunks;
}

/** The id of the test model's piece for `text` as the detokenizer writes it (a leading space is `▁`). */
function tokenId(text: string): number {
  const id = testModelVocabulary().tokens.indexOf(text.replace(/^ /, "\u2581"));
  if (id < 0) throw new Error(`no piece for ${JSON.stringify(text)}`);
  return id;
}

describe("EmbeddedBackend: logprobs", () => {
  test("chat: one entry per output token, joined they are the content; alternatives sorted, led by the choice", async () => {
    const { choice, usage } = await chat({ max_tokens: 16, temperature: 0, logprobs: true, top_logprobs: 3 });
    const content = choice.logprobs?.content ?? [];
    expect(choice.finish_reason).toBe("length");
    expect(content).toHaveLength(usage.completionTokens);
    expect(content.map((entry) => entry.token).join("")).toBe(choice.message.content);
    for (const entry of content) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.bytes).toEqual([...Buffer.from(entry.token)]);
      expect(entry.top_logprobs).toHaveLength(3);
      const values = entry.top_logprobs.map((alternative) => alternative.logprob);
      expect(values).toEqual([...values].sort((a, b) => b - a));
      // Greedy: the chosen token is the most likely one.
      expect(entry.top_logprobs[0]?.token).toBe(entry.token);
      expect(entry.top_logprobs[0]?.logprob).toBe(entry.logprob);
    }
    expect(choice.logprobs?.refusal).toBeNull();
  });

  test("chat: logprobs without alternatives, and none unless asked", async () => {
    const { choice } = await chat({ max_tokens: 6, temperature: 0, logprobs: true });
    expect(choice.logprobs?.content.every((entry) => entry.top_logprobs.length === 0)).toBe(true);
    expect((await chat({ max_tokens: 6, temperature: 0 })).choice.logprobs).toBeNull();
  });

  test("streamed chunks carry the logprobs of their own text, equal to the non-streamed ones", async () => {
    const body = { max_tokens: 20, temperature: 1, seed: 11, logprobs: true, top_logprobs: 2 };
    const { choice } = await chat(body);
    const chunks = await streamChat(body);
    const streamed = chunks.flatMap((chunk) => chunk.logprobs?.content ?? []);
    for (const chunk of chunks) {
      const text = chunk.delta.content ?? "";
      expect((chunk.logprobs?.content ?? []).map((entry) => entry.token).join("")).toBe(text);
    }
    expect(chunks.map((chunk) => chunk.delta.content ?? "").join("")).toBe(choice.message.content);
    expect(streamed).toEqual(choice.logprobs?.content);
  });

  test("a stop sequence cutting a token leaves its text before the stop; the rest is not listed", async () => {
    const { choice: whole } = await chat({ max_tokens: 16, temperature: 0, logprobs: true });
    const tokens = (whole.logprobs?.content ?? []).map((entry) => entry.token);
    const cut = tokens.findIndex((token, index) => index > 0 && token.length >= 3);
    expect(cut).toBeGreaterThan(0);
    const before = tokens.slice(0, cut).join("");
    const kept = (tokens[cut] as string).slice(0, 1);
    const stop = `${(tokens[cut] as string).slice(1)}${tokens[cut + 1] ?? ""}`;
    const { choice } = await chat({ max_tokens: 16, temperature: 0, logprobs: true, stop: [stop] });
    expect(choice.message.content).toBe(before + kept);
    expect(choice.logprobs?.content.map((entry) => entry.token)).toEqual([...tokens.slice(0, cut), kept]);
  });

  test("completions: tokens, their logprobs, alternatives as text → logprob, and offsets in the text", async () => {
    const body = { prompt: "Once upon a time", max_tokens: 10, temperature: 0, logprobs: 2 };
    const { body: response, usage } = await backend.complete(request("completions", body));
    const choice = (response.choices as Array<{ text: string; logprobs: CompletionLogprobs }>)[0];
    const logprobs = choice?.logprobs as CompletionLogprobs;
    expect(logprobs.tokens).toHaveLength(usage.completionTokens);
    expect(logprobs.tokens.join("")).toBe(choice?.text);
    expect(logprobs.text_offset).toEqual(
      logprobs.tokens.map((_, index) => logprobs.tokens.slice(0, index).join("").length),
    );
    for (const [index, alternatives] of logprobs.top_logprobs.entries()) {
      expect(Object.keys(alternatives).length).toBeLessThanOrEqual(2);
      expect(alternatives[logprobs.tokens[index] as string]).toBe(logprobs.token_logprobs[index]);
      expect(logprobs.token_logprobs[index]).toBeLessThanOrEqual(0);
    }

    const streamed: CompletionLogprobs[] = [];
    for await (const event of backend.stream(request("completions", body))) {
      const chunkLogprobs = event.type === "chunk" && (event.chunk.choices as typeof streamed)[0];
      if (chunkLogprobs && "logprobs" in chunkLogprobs && chunkLogprobs.logprobs)
        streamed.push(chunkLogprobs.logprobs as CompletionLogprobs);
    }
    expect(streamed.flatMap((chunk) => chunk.text_offset)).toEqual(logprobs.text_offset);
    expect(streamed.flatMap((chunk) => chunk.tokens)).toEqual(logprobs.tokens);
  });

  test("top_logprobs without logprobs is refused, naming it", async () => {
    const error = await chat({ max_tokens: 2, top_logprobs: 2 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackendInvalidRequestError);
    expect((error as Error).message).toContain("top_logprobs");
  });
});

describe("EmbeddedBackend: penalties and logit_bias", () => {
  const greedy = { max_tokens: 24, temperature: 0 };

  test("frequency and presence penalties change greedy output", async () => {
    // The random test model seldom repeats a token: its greedy output first does after about 45 tokens.
    const long = { max_tokens: 64, temperature: 0 };
    const plain = (await chat(long)).choice.message.content;
    for (const penalties of [{ frequency_penalty: 2 }, { presence_penalty: 2 }, { frequency_penalty: -2 }]) {
      const penalized = (await chat({ ...long, ...penalties })).choice.message.content;
      expect(penalized, JSON.stringify(penalties)).not.toBe(plain);
    }
    expect((await chat({ ...long, frequency_penalty: 0, presence_penalty: 0 })).choice.message.content).toBe(
      plain,
    );
  });

  test("-100 removes the token greedy decoding picks first; +100 forces a token", async () => {
    const { choice } = await chat({ ...greedy, logprobs: true });
    const first = choice.logprobs?.content[0]?.token as string;
    const banned = await chat({ ...greedy, logprobs: true, logit_bias: { [tokenId(first)]: -100 } });
    expect(banned.choice.logprobs?.content.map((entry) => entry.token)).not.toContain(first);

    const forced = await chat({ max_tokens: 5, temperature: 1, logit_bias: { [tokenId(" bird")]: 100 } });
    expect(forced.choice.message.content.trim()).toBe(Array(5).fill("bird").join(" "));
  });

  test("an id outside the vocabulary, or a key that is not an id, is a 400 naming logit_bias.<id>", async () => {
    for (const key of ["100000", "bird", "-1"]) {
      const error = await chat({ ...greedy, logit_bias: { [key]: 5 } }).catch((caught: unknown) => caught);
      expect(error, key).toBeInstanceOf(BackendInvalidRequestError);
      expect((error as Error).message).toContain(`logit_bias.${key}`);
    }
    const tooLarge = await chat({ ...greedy, logit_bias: { "7": 101 } }).catch((caught: unknown) => caught);
    expect((tooLarge as Error).message).toContain("logit_bias.7");
  });
});

describe("EmbeddedBackend: seeds", () => {
  test("without a seed, sampling differs between requests; with one it repeats; greedy is greedy", async () => {
    const sampled = { max_tokens: 16, temperature: 1 };
    const unseeded = new Set<string>();
    for (let round = 0; round < 4; round++) unseeded.add((await chat(sampled)).choice.message.content);
    expect(unseeded.size).toBeGreaterThan(1);

    const seeded = new Set<string>();
    for (let round = 0; round < 3; round++)
      seeded.add((await chat({ ...sampled, seed: 5 })).choice.message.content);
    expect(seeded.size).toBe(1);

    const greedy = new Set<string>();
    for (let round = 0; round < 3; round++)
      greedy.add((await chat({ max_tokens: 16, temperature: 0 })).choice.message.content);
    expect(greedy.size).toBe(1);
  });
});
