import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { describe, expect, test } from "vitest";
import { type GenerateTextEvent, type GenerateTextParameters, generateText } from "./generateText.ts";

const endOfGeneration = 0 as Token;

/**
 * A stand-in for a runtime sequence that produces `output` one token per `next()` (a few event-loop turns
 * each, like a native evaluation), detokenizes token `n` as the letter `n` of the alphabet, and records when
 * each token was asked for.
 */
function fakeSequence(output: number[], { totalSequences = 1 } = {}) {
  const log: string[] = [];
  let asked = 0;
  let inFlight = 0;
  let started = 0;
  const sequence = {
    contextSize: 1000,
    context: { totalSequences },
    model: {
      isEogToken: (token: Token) => token === endOfGeneration,
      detokenize: (tokens: readonly Token[]) =>
        tokens.map((token) => String.fromCharCode(96 + (token as number))).join(""),
    },
    evaluate: () => ({
      next: async (): Promise<IteratorResult<Token, void>> => {
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
        const token = output[asked - 1];
        return token === undefined
          ? { done: true, value: undefined }
          : { done: false, value: token as Token };
      },
      return: async (): Promise<IteratorResult<Token, void>> => ({ done: true, value: undefined }),
    }),
  };
  return {
    sequence: sequence as unknown as LlamaContextSequence,
    log,
    asked: () => asked,
    inFlight: () => inFlight,
    started: () => started,
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
});
