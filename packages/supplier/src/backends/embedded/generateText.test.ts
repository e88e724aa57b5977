import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { describe, expect, test } from "vitest";
import { type GenerateTextEvent, type GenerateTextParameters, generateText } from "./generateText.ts";

const endOfGeneration = 0 as Token;

type RuntimeStep = { token: Token; confidence?: number; probabilities?: Map<Token, number> };

/**
 * Detokenizes token `n` as the letter `n` of the alphabet; 29 is "xy"; 27 then 28 is "é", split across two
 * tokens like a UTF-8 character (27 alone is U+FFFD, as the runtime decodes an incomplete character).
 */
function fakeDetokenize(tokens: readonly Token[]): string {
  const letters = tokens
    .map((token) => ({ 27: "<", 28: ">", 29: "xy" })[token as number] ?? String.fromCharCode(96 + token))
    .join("");
  return letters.replaceAll("<>", "é").replaceAll("<", "\uFFFD").replaceAll(">", "\uFFFD");
}

/**
 * A stand-in for a runtime sequence that produces `output` one token per `next()` (a few event-loop turns
 * each, like a native evaluation), detokenizes with {@link fakeDetokenize}, and records when each token was
 * asked for. Asked for log-probabilities, it reports probability 1 / 2 for every sampled token, and 1 / 4
 * for token 26 ("z") as the second alternative.
 */
function fakeSequence(output: number[], { totalSequences = 1 } = {}) {
  const log: string[] = [];
  const seeds: Array<number | undefined> = [];
  let asked = 0;
  let inFlight = 0;
  let started = 0;
  const sequence = {
    contextSize: 1000,
    context: { totalSequences },
    model: {
      isEogToken: (token: Token) => token === endOfGeneration,
      detokenize: fakeDetokenize,
    },
    evaluateWithMetadata: (
      _tokens: Token[],
      metadata: { confidence: boolean; probabilities: boolean },
      options: { seed?: number },
    ) => ({
      next: async (): Promise<IteratorResult<RuntimeStep, void>> => {
        asked++;
        inFlight++;
        log.push(`ask ${asked}`);
        // Like node-llama-cpp: a few promise steps (locks), then the evaluation starts at once with one
        // sequence, or on the next turn of the event loop with several.
        for (let step = 0; step < 3; step++) await Promise.resolve();
        if (totalSequences === 1) started++;
        else setImmediate(() => started++);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight--;
        seeds.push(options.seed);
        const token = output[asked - 1] as Token | undefined;
        if (token === undefined) return { done: true, value: undefined };
        return {
          done: false,
          value: {
            token,
            ...(metadata.confidence ? { confidence: 0.5 } : {}),
            ...(metadata.probabilities
              ? {
                  probabilities: new Map([
                    [token, 0.5],
                    [26 as Token, 0.25],
                  ]),
                }
              : {}),
          },
        };
      },
      return: async (): Promise<IteratorResult<RuntimeStep, void>> => ({ done: true, value: undefined }),
    }),
  };
  return {
    sequence: sequence as unknown as LlamaContextSequence,
    log,
    asked: () => asked,
    inFlight: () => inFlight,
    started: () => started,
    seeds,
  };
}

function parameters(
  sequence: LlamaContextSequence,
  overrides: Partial<GenerateTextParameters> = {},
): GenerateTextParameters {
  return {
    sequence,
    promptTokens: [1 as Token],
    maxTokens: 100,
    temperature: 0,
    topP: 1,
    seed: undefined,
    stop: [],
    stopTokens: [],
    signal: new AbortController().signal,
    onSequenceIdle: () => undefined,
    abortError: () => new Error("aborted"),
    ...overrides,
  };
}

async function collect(events: AsyncIterable<GenerateTextEvent>): Promise<GenerateTextEvent[]> {
  const collected: GenerateTextEvent[] = [];
  for await (const event of events) collected.push(event);
  return collected;
}

describe("generateText", () => {
  test("the next token is asked for before the previous one is handed on", async () => {
    const runtime = fakeSequence([1, 2, 3]);
    const events = generateText(parameters(runtime.sequence))[Symbol.asyncIterator]();
    expect(await events.next()).toEqual({ done: false, value: { type: "text", text: "a" } });
    // While the consumer holds "a", the runtime already computes the second token.
    expect(runtime.asked()).toBe(2);
    expect(runtime.inFlight()).toBe(1);
    await events.return(undefined);
  });

  test("the next evaluation has started when a piece is handed on, with one sequence or several", async () => {
    for (const totalSequences of [1, 4]) {
      const runtime = fakeSequence([1, 2, 3, 4], { totalSequences });
      const startedAtHandOff: number[] = [];
      for await (const event of generateText(parameters(runtime.sequence))) {
        if (event.type === "text") startedAtHandOff.push(runtime.started());
      }
      // Piece n is handed on once evaluation n + 1 runs (the fourth token is the last one asked for).
      expect(startedAtHandOff).toEqual([2, 3, 4, 5]);
    }
  });

  test("no token is asked for beyond max_tokens or after an end-of-generation token", async () => {
    const limited = fakeSequence([1, 2, 3, 4, 5, 6]);
    const events = await collect(generateText(parameters(limited.sequence, { maxTokens: 3 })));
    expect(events.at(-1)).toEqual({
      type: "end",
      finishReason: "length",
      usage: { promptTokens: 1, completionTokens: 3 },
    });
    expect(limited.asked()).toBe(3);

    const ended = fakeSequence([1, 2, endOfGeneration, 4, 5]);
    const texts = await collect(generateText(parameters(ended.sequence)));
    expect(texts.filter((event) => event.type === "text").map((event) => event.text)).toEqual(["a", "b"]);
    expect(texts.at(-1)).toMatchObject({ finishReason: "stop", usage: { completionTokens: 3 } });
    expect(ended.asked()).toBe(3);
  });

  test("after a stop sequence the sequence is idle only once the token in flight is done", async () => {
    const runtime = fakeSequence([1, 2, 3, 4, 5]);
    let idleWhileInFlight: boolean | undefined;
    let idle: () => void = () => undefined;
    const idled = new Promise<void>((resolve) => {
      idle = resolve;
    });
    const events = generateText(
      parameters(runtime.sequence, {
        stop: ["bc"],
        onSequenceIdle: () => {
          idleWhileInFlight = runtime.inFlight() > 0;
          idle();
        },
      }),
    );
    expect(await collect(events)).toEqual([
      { type: "text", text: "a" },
      { type: "end", finishReason: "stop", usage: { promptTokens: 1, completionTokens: 3 } },
    ]);
    await idled;
    expect(idleWhileInFlight).toBe(false);
    expect(runtime.asked()).toBe(4);
  });

  test("each piece carries the log-probabilities of exactly its tokens, whose texts join to it", async () => {
    // "a", "é" split over two tokens, "b", "xy", "c": the character goes to the token that completes it.
    const runtime = fakeSequence([1, 27, 28, 2, 29, 3]);
    const events = await collect(generateText(parameters(runtime.sequence, { logprobs: 1, stop: ["yz"] })));
    const pieces = events.flatMap((event) => (event.type === "text" ? [event] : []));
    for (const piece of pieces) expect(piece.logprobs?.map((entry) => entry.text).join("")).toBe(piece.text);
    const entries = pieces.flatMap((piece) => piece.logprobs ?? []);
    expect(entries.map((entry) => entry.text)).toEqual(["a", "", "é", "b", "xy", "c"]);
    expect(pieces.map((piece) => piece.text).join("")).toBe("aébxyc");
    expect(entries[0]).toEqual({
      text: "a",
      logprob: Math.log(0.5),
      top: [{ text: "a", logprob: Math.log(0.5) }],
    });
  });

  test("a token cut by a stop sequence keeps the text before it; tokens inside the stop are left out", async () => {
    const runtime = fakeSequence([1, 29, 2, 3]);
    const events = await collect(generateText(parameters(runtime.sequence, { logprobs: 0, stop: ["yb"] })));
    const pieces = events.flatMap((event) => (event.type === "text" ? [event] : []));
    expect(pieces.map((piece) => piece.text).join("")).toBe("ax");
    expect(pieces.flatMap((piece) => piece.logprobs ?? []).map((entry) => [entry.text, entry.top])).toEqual([
      ["a", []],
      ["x", []],
    ]);
    expect(events.at(-1)).toMatchObject({ finishReason: "stop" });
  });

  test("without logprobs no probability is asked of the runtime; without a seed each run draws one", async () => {
    const first = fakeSequence([1, 2]);
    const events = await collect(generateText(parameters(first.sequence)));
    expect(events.filter((event) => event.type === "text")).toEqual([
      { type: "text", text: "a" },
      { type: "text", text: "b" },
    ]);
    const second = fakeSequence([1]);
    await collect(generateText(parameters(second.sequence)));
    expect(first.seeds[0]).not.toBe(second.seeds[0]);
    const seeded = fakeSequence([1]);
    await collect(generateText(parameters(seeded.sequence, { seed: -1 })));
    expect(seeded.seeds[0]).toBe(2 ** 32 - 1);
  });
});
