import type { LlamaContextSequence, Token } from "node-llama-cpp";
import type { BackendUsage } from "../Backend.ts";

export type GenerateTextParameters = {
  /** A sequence with an empty state, lent to this generation alone. */
  sequence: LlamaContextSequence;
  promptTokens: Token[];
  /** Upper bound of generated tokens; also capped by the room left in the sequence's context. */
  maxTokens: number;
  /** 0 is greedy (argmax). */
  temperature: number;
  topP: number;
  seed: number | undefined;
  /** Stop sequences: the output ends before the first one. */
  stop: readonly string[];
  /** Tokens that end generation besides the model's end-of-generation tokens. */
  stopTokens: readonly Token[];
  /** Checked between tokens; a pending runtime step is not waited for (see `onSequenceIdle`). */
  signal: AbortSignal;
  /** Called once when the runtime no longer uses the sequence (after the end, an error or an abort). */
  onSequenceIdle: () => void;
  /** Makes the error thrown when `signal` aborts, given the work done so far. */
  abortError: (usage: BackendUsage) => unknown;
};

export type GenerateTextEvent =
  | { type: "text"; text: string }
  | { type: "end"; finishReason: "stop" | "length"; usage: BackendUsage };

/** Tokens held back while their text ends in an incomplete UTF-8 sequence (U+FFFD), at most a character's bytes. */
const maxPendingTokens = 4;
/** Tokens of context given to the detokenizer so each piece continues the text (leading spaces). */
const detokenizeContext = 8;

/** Resolves after the `setImmediate` callbacks already queued have run (one turn of the event loop). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Generates from `promptTokens`, yielding text pieces as tokens are produced (piped, not buffered), then one
 * `end` event with the finish reason and the runtime's counts: `promptTokens` = tokens evaluated for the
 * prompt, `completionTokens` = tokens sampled (an end-of-generation token included, as it was computed).
 *
 * Text is held back only while it may still turn into a stop sequence or ends in a split UTF-8 character,
 * so the concatenated pieces always equal the non-streamed output. Deterministic for `temperature: 0`.
 *
 * The runtime evaluates one token ahead of the consumer: token n + 1 is already being computed when piece n
 * is handed on, so the consumer's work (SSE encoding, socket writes) overlaps the evaluation instead of adding
 * to it. That token is discarded, and not counted, when a stop sequence or an abort ends the output first.
 *
 * @param parameters - sequence, prompt, sampling, stops, abort signal and the idle callback.
 * @throws `abortError(usage)` when `signal` aborts; the runtime's error otherwise.
 * @example
 * ```ts
 * for await (const event of generateText({ sequence, promptTokens, maxTokens: 16, temperature: 0, topP: 1,
 *   seed: undefined, stop: [], stopTokens: [], signal, onSequenceIdle: () => pool.release(sequence),
 *   abortError: (usage) => new BackendRequestAbortedError({ usage }) })) {
 *   if (event.type === "text") process.stdout.write(event.text);
 * }
 * ```
 */
export async function* generateText(
  parameters: GenerateTextParameters,
): AsyncGenerator<GenerateTextEvent, void, void> {
  const { sequence, promptTokens, stop, signal } = parameters;
  const model = sequence.model;
  // node-llama-cpp dispatches a requested evaluation after a few promise steps with one sequence, and with
  // several from a `setImmediate` queued during those steps (so that sequences generating together share a
  // batch): waiting this many turns of the event loop lets it start before a token's text is handed on.
  const turnsToDispatch = sequence.context.totalSequences > 1 ? 2 : 1;
  const room = sequence.contextSize - promptTokens.length;
  const maxTokens = Math.max(0, Math.min(parameters.maxTokens, room));
  const stopTokens = new Set(parameters.stopTokens);
  const longestStop = Math.max(0, ...stop.map((text) => text.length));

  let completionTokens = 0;
  let promptEvaluated = false;
  const usage = (): BackendUsage => ({
    promptTokens: promptEvaluated ? promptTokens.length : 0,
    completionTokens,
  });

  const iterator = sequence.evaluate(promptTokens, {
    temperature: parameters.temperature,
    topP: parameters.topP,
    seed: parameters.seed,
    yieldEogToken: true,
  });
  let pending: Promise<IteratorResult<Token, void>> | undefined;
  const requestToken = () => {
    const next = iterator.next();
    // Awaited later (or in `finally`): a failure while the previous token is handed on is not unhandled.
    next.catch(() => undefined);
    return next;
  };
  const abort = new Promise<"aborted">((resolve) => {
    if (signal.aborted) resolve("aborted");
    else signal.addEventListener("abort", () => resolve("aborted"), { once: true });
  });

  let decoded: Token[] = promptTokens.slice(-detokenizeContext);
  let undecoded: Token[] = [];
  let unsent = "";
  let finishReason: "stop" | "length" = "length";

  try {
    // The next token is asked for as soon as one arrives, and its evaluation started, before this one is
    // decoded and handed on: the runtime computes token n + 1 while token n goes out (detokenizing, the
    // consumer's SSE write) instead of after it. Nothing is asked for beyond `maxTokens` or after an
    // end-of-generation token.
    pending = maxTokens > 0 ? requestToken() : undefined;
    while (pending) {
      const step = await Promise.race([pending, abort]);
      if (step === "aborted") throw parameters.abortError(usage());
      pending = undefined;
      if (step.done) {
        finishReason = "stop";
        break;
      }
      promptEvaluated = true;
      completionTokens++;
      const token = step.value;
      if (model.isEogToken(token) || stopTokens.has(token)) {
        finishReason = "stop";
        break;
      }
      if (completionTokens < maxTokens) {
        pending = requestToken();
        for (let turn = 0; turn < turnsToDispatch; turn++) await nextTurn();
      }
      undecoded.push(token);
      const text = model.detokenize(undecoded, false, decoded);
      if (text.endsWith("\uFFFD") && undecoded.length < maxPendingTokens && completionTokens < maxTokens)
        continue;
      decoded = [...decoded, ...undecoded].slice(-detokenizeContext);
      undecoded = [];
      unsent += text;

      const stopAt = firstStop(unsent, stop);
      if (stopAt >= 0) {
        unsent = unsent.slice(0, stopAt);
        finishReason = "stop";
        break;
      }
      const sendable = unsent.length - heldBack(unsent, stop, longestStop);
      if (sendable > 0) {
        const piece = unsent.slice(0, sendable);
        unsent = unsent.slice(sendable);
        yield { type: "text", text: piece };
      }
      if (signal.aborted) throw parameters.abortError(usage());
    }
    if (undecoded.length > 0) unsent += model.detokenize(undecoded, false, decoded);
    if (finishReason === "length") {
      // Text held back for a stop sequence that never completed is output after all.
      const stopAt = firstStop(unsent, stop);
      if (stopAt >= 0) {
        unsent = unsent.slice(0, stopAt);
        finishReason = "stop";
      }
    }
    if (unsent !== "") yield { type: "text", text: unsent };
    yield { type: "end", finishReason, usage: usage() };
  } finally {
    const inFlight = pending;
    const finish = async () => {
      if (inFlight) await inFlight.catch(() => undefined);
      await iterator.return().catch(() => undefined);
      parameters.onSequenceIdle();
    };
    void finish();
  }
}

/** Index of the earliest stop sequence in `text`, or -1. */
function firstStop(text: string, stop: readonly string[]): number {
  let first = -1;
  for (const sequence of stop) {
    const index = text.indexOf(sequence);
    if (index >= 0 && (first < 0 || index < first)) first = index;
  }
  return first;
}

/** Length of the longest suffix of `text` that begins some stop sequence (text that must wait). */
function heldBack(text: string, stop: readonly string[], longestStop: number): number {
  for (let length = Math.min(text.length, longestStop - 1); length > 0; length--) {
    const suffix = text.slice(text.length - length);
    if (stop.some((sequence) => sequence.startsWith(suffix))) return length;
  }
  return 0;
}
