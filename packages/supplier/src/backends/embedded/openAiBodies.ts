import { randomBytes } from "node:crypto";
import type { BackendUsage } from "../Backend.ts";
import type { TokenLogprob } from "./tokenLogprob.ts";

/** What every response and chunk of one request shares. */
export type ResponseIdentity = { id: string; created: number; model: string };

/**
 * A fresh identity: `chatcmpl-…` for chat, `cmpl-…` for completions, `created` in Unix seconds.
 *
 * @example
 * ```ts
 * const identity = responseIdentity("chat/completions", "aviary-test-model");
 * ```
 */
export function responseIdentity(route: "chat/completions" | "completions", model: string): ResponseIdentity {
  const prefix = route === "chat/completions" ? "chatcmpl" : "cmpl";
  return {
    id: `${prefix}-${randomBytes(12).toString("hex")}`,
    created: Math.floor(Date.now() / 1000),
    model,
  };
}

/**
 * OpenAI `usage` from the runtime's counts.
 *
 * @example
 * ```ts
 * openAiUsage({ promptTokens: 5, completionTokens: 2 }); // { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 }
 * ```
 */
export function openAiUsage(usage: BackendUsage) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

/**
 * A `chat.completion` body.
 *
 * @example
 * ```ts
 * chatCompletionBody(identity, "Hello", "stop", { promptTokens: 5, completionTokens: 2 });
 * ```
 */
export function chatCompletionBody(
  identity: ResponseIdentity,
  content: string,
  finishReason: "stop" | "length",
  usage: BackendUsage,
  logprobs: ChatLogprobs | null = null,
): Record<string, unknown> {
  return {
    ...identity,
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content }, logprobs, finish_reason: finishReason }],
    usage: openAiUsage(usage),
  };
}

/**
 * A `chat.completion.chunk`: `delta` is `{ role }` first, then `{ content }` pieces, then `{}` with the finish reason.
 *
 * @example
 * ```ts
 * chatCompletionChunk(identity, { content: "Hel" });
 * chatCompletionChunk(identity, {}, "length");
 * ```
 */
export function chatCompletionChunk(
  identity: ResponseIdentity,
  delta: { role?: "assistant"; content?: string },
  finishReason: "stop" | "length" | null = null,
  logprobs: ChatLogprobs | null = null,
): Record<string, unknown> {
  return {
    ...identity,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, logprobs, finish_reason: finishReason }],
  };
}

/**
 * A `text_completion` body.
 *
 * @example
 * ```ts
 * textCompletionBody(identity, " upon a time", "length", { promptTokens: 3, completionTokens: 4 });
 * ```
 */
export function textCompletionBody(
  identity: ResponseIdentity,
  text: string,
  finishReason: "stop" | "length",
  usage: BackendUsage,
  logprobs: CompletionLogprobs | null = null,
): Record<string, unknown> {
  return {
    ...identity,
    object: "text_completion",
    choices: [{ index: 0, text, logprobs, finish_reason: finishReason }],
    usage: openAiUsage(usage),
  };
}

/**
 * A streamed `text_completion` chunk (OpenAI streams completions with the same `object`).
 *
 * @example
 * ```ts
 * textCompletionChunk(identity, " upon");
 * textCompletionChunk(identity, "", "stop");
 * ```
 */
export function textCompletionChunk(
  identity: ResponseIdentity,
  text: string,
  finishReason: "stop" | "length" | null = null,
  logprobs: CompletionLogprobs | null = null,
): Record<string, unknown> {
  return {
    ...identity,
    object: "text_completion",
    choices: [{ index: 0, text, logprobs, finish_reason: finishReason }],
  };
}

type LogprobEntry = { token: string; logprob: number; bytes: number[] };

/** A chat choice's `logprobs`: one entry per output token, `bytes` the UTF-8 of `token`. */
export type ChatLogprobs = {
  content: Array<LogprobEntry & { top_logprobs: LogprobEntry[] }>;
  refusal: null;
};

/** A completion choice's `logprobs` (the legacy shape): parallel arrays, alternatives as text → logprob. */
export type CompletionLogprobs = {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Array<Record<string, number>>;
  /** Where each token starts in the completion's text (a JavaScript string index; the prompt not counted). */
  text_offset: number[];
};

/**
 * Chat `logprobs` for these tokens (a whole response's, or one chunk's).
 *
 * @example
 * ```ts
 * chatLogprobs([{ text: "Hi", logprob: -0.1, top: [{ text: "Hi", logprob: -0.1 }] }]);
 * // { content: [{ token: "Hi", logprob: -0.1, bytes: [72, 105], top_logprobs: [{ token: "Hi", … }] }], refusal: null }
 * ```
 */
export function chatLogprobs(entries: readonly TokenLogprob[]): ChatLogprobs {
  return {
    content: entries.map((entry) => ({
      ...logprobEntry(entry.text, entry.logprob),
      top_logprobs: entry.top.map((alternative) => logprobEntry(alternative.text, alternative.logprob)),
    })),
    refusal: null,
  };
}

/**
 * Completions `logprobs` for these tokens; `offset` is where the first one starts in the completion's text
 * (0 for a whole response, the text already streamed for a chunk).
 *
 * @example
 * ```ts
 * completionLogprobs([{ text: " upon", logprob: -0.5, top: [] }], 0);
 * // { tokens: [" upon"], token_logprobs: [-0.5], top_logprobs: [{}], text_offset: [0] }
 * ```
 */
export function completionLogprobs(entries: readonly TokenLogprob[], offset: number): CompletionLogprobs {
  const textOffset: number[] = [];
  let at = offset;
  for (const entry of entries) {
    textOffset.push(at);
    at += entry.text.length;
  }
  return {
    tokens: entries.map((entry) => entry.text),
    token_logprobs: entries.map((entry) => entry.logprob),
    top_logprobs: entries.map((entry) =>
      Object.fromEntries(entry.top.map((alternative) => [alternative.text, alternative.logprob])),
    ),
    text_offset: textOffset,
  };
}

function logprobEntry(token: string, logprob: number): LogprobEntry {
  return { token, logprob, bytes: [...Buffer.from(token, "utf8")] };
}
