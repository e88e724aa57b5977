import { randomBytes } from "node:crypto";
import type { BackendUsage } from "../Backend.ts";

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
): Record<string, unknown> {
  return {
    ...identity,
    object: "chat.completion",
    choices: [
      { index: 0, message: { role: "assistant", content }, logprobs: null, finish_reason: finishReason },
    ],
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
): Record<string, unknown> {
  return {
    ...identity,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
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
): Record<string, unknown> {
  return {
    ...identity,
    object: "text_completion",
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }],
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
): Record<string, unknown> {
  return {
    ...identity,
    object: "text_completion",
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }],
  };
}
