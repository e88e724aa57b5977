import { randomInt } from "node:crypto";
import { EMBEDDED_SAMPLER_CHAIN, samplerSeed } from "@aviary/protocol";
import {
  type LlamaContextSequence,
  type LlamaGrammar,
  LlamaGrammarEvaluationState,
  type SequenceEvaluateOptions,
  type Token,
  type TokenBias,
} from "node-llama-cpp";
import type { BackendUsage } from "../Backend.ts";
import { type TokenLogprob, tokenLogprob } from "./tokenLogprob.ts";

export type GenerateTextParameters = {
  /** A sequence with an empty state, lent to this generation alone. */
  sequence: LlamaContextSequence;
  promptTokens: Token[];
  /** Upper bound of generated tokens; also capped by the room left in the sequence's context. */
  maxTokens: number;
  /** 0 is greedy (argmax). */
  temperature: number;
  topP: number;
  /** Same seed, same output. Undefined: a fresh random seed for this generation (the runtime's own default is the clock's second). */
  seed: number | undefined;
  /**
   * OpenAI's penalties over the generated tokens (the prompt is not counted): a token's logit is lowered by
   * `count × frequencyPenalty + (count > 0) × presencePenalty`. Default 0 (none; the runtime is not asked).
   */
  frequencyPenalty?: number;
  presencePenalty?: number;
  /** Logit biases, made for the sequence's model. Default none. */
  tokenBias?: TokenBias;
  /**
   * The grammar every output must match (JSON, tool calls), made with the sequence's `Llama`; a fresh
   * evaluation state per generation. Once the grammar is complete only end-of-generation tokens are allowed,
   * so a finished match ends with `stop`. Default none.
   */
  grammar?: LlamaGrammar | undefined;
  /**
   * Undefined (default): no log-probabilities, and the runtime computes none. A number n: every text event
   * carries the log-probabilities of its tokens, each with the n most likely alternatives.
   */
  logprobs?: number;
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
  /** `logprobs`, when asked for: the tokens whose text `text` is, in order (their pieces joined are `text`). */
  | { type: "text"; text: string; logprobs?: TokenLogprob[] }
  | { type: "end"; finishReason: "stop" | "length"; usage: BackendUsage };

/** What the runtime yields per token; which metadata is present depends on what was asked, at run time. */
type RuntimeStep = { token: Token; confidence?: number; probabilities?: Map<Token, number> };

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
 * so the concatenated pieces always equal the non-streamed output. Deterministic for `temperature: 0`, and
 * for a given `seed`; without one every generation samples differently.
 *
 * With `logprobs`, each piece carries the log-probabilities of exactly the tokens whose text it is: pieces
 * then end at token boundaries (text is held back a little longer, never reordered). A token's `text` is its
 * share of the output: the tokens of a character split across several get `""`, except the one that
 * completes it, which carries the whole character; a token cut by a stop sequence keeps the text before the
 * stop (its `text` is that prefix); tokens wholly inside the stop sequence, the end-of-generation token and
 * the look-ahead token are not listed. So the `text`s of all events' tokens joined are the output.
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

  const alternatives = parameters.logprobs ?? 0;
  const wantLogprobs = parameters.logprobs !== undefined;
  /** Tokens sampled so far (what the penalties count). */
  const generated: Token[] = [];
  const { frequencyPenalty = 0, presencePenalty = 0, tokenBias } = parameters;
  const options: SequenceEvaluateOptions = {
    temperature: parameters.temperature,
    topP: parameters.topP,
    // Explicit, since the gateway's replay mirrors it (`EMBEDDED_SAMPLER_CHAIN`: top-k 40, no min-p).
    ...EMBEDDED_SAMPLER_CHAIN,
    seed: samplerSeed(parameters.seed ?? randomInt(2 ** 32)),
    yieldEogToken: true,
  };
  if (frequencyPenalty !== 0 || presencePenalty !== 0) {
    // `penalty: 1` turns llama.cpp's multiplicative repeat penalty off: OpenAI's two are additive only. The
    // window is the whole output, so the runtime's sampler keeps its history and takes one token per step.
    options.repeatPenalty = {
      punishTokens: () => generated,
      maxPunishTokens: Math.max(1, maxTokens),
      penalty: 1,
      frequencyPenalty,
      presencePenalty,
    };
  }
  if (tokenBias) options.tokenBias = tokenBias;
  if (parameters.grammar)
    options.grammarEvaluationState = new LlamaGrammarEvaluationState({ model, grammar: parameters.grammar });
  // Probabilities are computed only when asked for: the full list (for alternatives) costs a vocabulary-sized
  // map per token, the sampled token's alone a softmax.
  const iterator = sequence.evaluateWithMetadata(
    promptTokens,
    { confidence: wantLogprobs, probabilities: alternatives > 0 },
    options,
  ) as AsyncGenerator<RuntimeStep, void, void>;
  let pending: Promise<IteratorResult<RuntimeStep, void>> | undefined;
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
  /** With `logprobs`: one entry per token of `undecoded`, then per token of `unsent` (their texts joined are `unsent`). */
  let undecodedLogprobs: Array<Omit<TokenLogprob, "text">> = [];
  let unsentLogprobs: TokenLogprob[] = [];
  let finishReason: "stop" | "length" = "length";
  const decodeHeld = () => {
    const text = model.detokenize(undecoded, false, decoded);
    const last = undecodedLogprobs.length - 1;
    for (const [index, entry] of undecodedLogprobs.entries())
      unsentLogprobs.push({ text: index === last ? text : "", ...entry });
    decoded = [...decoded, ...undecoded].slice(-detokenizeContext);
    undecoded = [];
    undecodedLogprobs = [];
    unsent += text;
  };
  const cutAt = (length: number) => {
    unsent = unsent.slice(0, length);
    if (wantLogprobs) unsentLogprobs = cutLogprobs(unsentLogprobs, length);
  };

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
      const { token } = step.value;
      if (model.isEogToken(token) || stopTokens.has(token)) {
        finishReason = "stop";
        break;
      }
      // Counted before the next token is asked for: its sampler reads `generated` for the penalties.
      generated.push(token);
      if (completionTokens < maxTokens) {
        pending = requestToken();
        for (let turn = 0; turn < turnsToDispatch; turn++) await nextTurn();
      }
      if (wantLogprobs) {
        const probabilities = step.value.probabilities;
        undecodedLogprobs.push(
          tokenLogprob({
            model,
            probability: step.value.confidence ?? probabilities?.get(token) ?? 0,
            probabilities,
            alternatives,
            context: undecoded.length > 0 ? [...decoded, ...undecoded] : decoded,
          }),
        );
      }
      undecoded.push(token);
      const text = model.detokenize(undecoded, false, decoded);
      if (text.endsWith("\uFFFD") && undecoded.length < maxPendingTokens && completionTokens < maxTokens)
        continue;
      decodeHeld();

      const stopAt = firstStop(unsent, stop);
      if (stopAt >= 0) {
        cutAt(stopAt);
        finishReason = "stop";
        break;
      }
      let sendable = unsent.length - heldBack(unsent, stop, longestStop);
      let tokens = 0;
      if (wantLogprobs) ({ length: sendable, tokens } = wholeTokens(unsentLogprobs, sendable));
      if (sendable > 0) {
        const piece = unsent.slice(0, sendable);
        unsent = unsent.slice(sendable);
        if (wantLogprobs) yield { type: "text", text: piece, logprobs: unsentLogprobs.splice(0, tokens) };
        else yield { type: "text", text: piece };
      }
      if (signal.aborted) throw parameters.abortError(usage());
    }
    if (undecoded.length > 0) decodeHeld();
    if (finishReason === "length") {
      // Text held back for a stop sequence that never completed is output after all.
      const stopAt = firstStop(unsent, stop);
      if (stopAt >= 0) {
        cutAt(stopAt);
        finishReason = "stop";
      }
    }
    if (wantLogprobs) {
      if (unsent !== "" || unsentLogprobs.length > 0)
        yield { type: "text", text: unsent, logprobs: unsentLogprobs };
    } else if (unsent !== "") yield { type: "text", text: unsent };
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

/**
 * The longest prefix of `entries` whose text fits in `length` characters: `tokens` entries covering `length`
 * characters. Entries without text of their own at its end wait with the token that completes their character.
 */
function wholeTokens(entries: readonly TokenLogprob[], length: number): { length: number; tokens: number } {
  let covered = 0;
  let tokens = 0;
  for (const entry of entries) {
    if (covered + entry.text.length > length) break;
    covered += entry.text.length;
    tokens++;
  }
  while (tokens > 0 && entries[tokens - 1]?.text === "") tokens--;
  return { length: covered, tokens };
}

/** `entries` for the text cut at `length`: a token across the cut keeps its text before it, later ones go. */
function cutLogprobs(entries: readonly TokenLogprob[], length: number): TokenLogprob[] {
  const kept: TokenLogprob[] = [];
  let start = 0;
  for (const entry of entries) {
    if (start >= length) break;
    const room = length - start;
    kept.push(entry.text.length > room ? { ...entry, text: entry.text.slice(0, room) } : entry);
    start += entry.text.length;
  }
  return kept;
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
