import type { RelayedResponse } from "@aviary/gateway";
import { formatToolCallJson, type ToolCallJsonItem } from "@aviary/protocol";
import { z } from "zod";

const toolCallSchema = z.looseObject({
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});
/** A streamed piece of a call: `index` says which; name and arguments arrive in pieces. */
const toolCallDeltaSchema = z.looseObject({
  index: z.number().int().nonnegative().max(1023),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});
/** Chat's `logprobs.content` entries; completions' parallel `tokens` / `token_logprobs`. */
const logprobsSchema = z.looseObject({
  content: z
    .array(
      z.looseObject({
        token: z.string(),
        logprob: z.number(),
        bytes: z.array(z.number().int().min(0).max(255)).nullish(),
      }),
    )
    .nullish(),
  tokens: z.array(z.string()).nullish(),
  token_logprobs: z.array(z.number().nullable()).nullish(),
});
const choiceSchema = z.looseObject({
  message: z
    .looseObject({ content: z.string().nullish(), tool_calls: z.array(toolCallSchema).nullish() })
    .nullish(),
  delta: z
    .looseObject({ content: z.string().nullish(), tool_calls: z.array(toolCallDeltaSchema).nullish() })
    .nullish(),
  text: z.string().nullish(),
  finish_reason: z.string().nullish(),
  logprobs: logprobsSchema.nullish(),
});
const responseSchema = z.looseObject({ choices: z.array(choiceSchema).default([]) });

/** What a client received as the output of a relay. */
export type RelayedOutput = {
  /**
   * The generated text (message content, or completion text), streamed pieces joined; followed by the call
   * JSON the model wrote when the answer has `tool_calls` (rebuilt byte for byte: `formatToolCallJson`).
   */
  text: string;
  /** The calls of a `tool_calls` answer (empty otherwise), `arguments` as generated. */
  toolCalls: ToolCallJsonItem[];
  /** `finish_reason` of the first choice, when given. */
  finishReason: string | null;
  /** The log-probabilities the supplier reported for its output tokens, in order; null when none were. */
  logprobs: ReportedLogprob[] | null;
};

/** One output token's reported log-probability, with the token's UTF-8 length. */
export type ReportedLogprob = { bytes: number; logprob: number | null };

/** The response as the gateway passed it on (the gateway's type): a JSON body, or a stream's data payloads. */
export type { RelayedResponse };

/**
 * Extracts the output text (tool calls included, as the call JSON) and finish reason of a chat or completion
 * response (JSON or streamed chunks), parsed with zod (a supplier's bytes are untrusted). `undefined` when the response has no such shape.
 *
 * @param response - the JSON body, or the stream's `data:` payloads.
 * @example
 * ```ts
 * const output = parseRelayedOutput({ kind: "stream", events });
 * output?.finishReason; // "length"
 * ```
 */
export function parseRelayedOutput(response: RelayedResponse): RelayedOutput | undefined {
  const decoder = new TextDecoder();
  if (response.kind === "json") {
    let json: unknown;
    try {
      json = JSON.parse(decoder.decode(response.body));
    } catch {
      return undefined;
    }
    const parsed = responseSchema.safeParse(json);
    const choice = parsed.success ? parsed.data.choices[0] : undefined;
    if (!choice) return undefined;
    const toolCalls = (choice.message?.tool_calls ?? []).map((call) => ({
      name: call.function.name,
      arguments: call.function.arguments,
    }));
    return {
      text: withCallJson(choice.message?.content ?? choice.text ?? "", toolCalls),
      toolCalls,
      finishReason: choice.finish_reason ?? null,
      logprobs: choice.logprobs ? readLogprobs(choice.logprobs, []) : null,
    };
  }
  const toolCalls: ToolCallJsonItem[] = [];
  let text = "";
  let finishReason: string | null = null;
  let logprobs: ReportedLogprob[] | null = null;
  let sawChoice = false;
  for (const data of response.events) {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      continue;
    }
    const parsed = responseSchema.safeParse(json);
    const choice = parsed.success ? parsed.data.choices[0] : undefined;
    if (!choice) continue;
    sawChoice = true;
    text += choice.delta?.content ?? choice.text ?? "";
    for (const piece of choice.delta?.tool_calls ?? []) {
      // Indices come in order (OpenAI's stream); a gap would be a malformed stream: the call starts empty.
      while (toolCalls.length <= piece.index) toolCalls.push({ name: "", arguments: "" });
      const call = toolCalls[piece.index] as ToolCallJsonItem;
      call.name += piece.function?.name ?? "";
      call.arguments += piece.function?.arguments ?? "";
    }
    if (choice.finish_reason) finishReason = choice.finish_reason;
    if (choice.logprobs) logprobs = readLogprobs(choice.logprobs, logprobs ?? []);
  }
  return sawChoice ? { text: withCallJson(text, toolCalls), toolCalls, finishReason, logprobs } : undefined;
}

const encoder = new TextEncoder();

/** Appends a choice's log-probabilities (chat or completions shape) to `into`. */
function readLogprobs(logprobs: z.output<typeof logprobsSchema>, into: ReportedLogprob[]): ReportedLogprob[] {
  for (const entry of logprobs.content ?? [])
    into.push({ bytes: entry.bytes?.length ?? encoder.encode(entry.token).length, logprob: entry.logprob });
  const tokens = logprobs.tokens ?? [];
  for (const [index, token] of tokens.entries())
    into.push({ bytes: encoder.encode(token).length, logprob: logprobs.token_logprobs?.[index] ?? null });
  return into;
}

/** The output as generated: the content, then the call JSON when there are calls. */
function withCallJson(content: string, toolCalls: readonly ToolCallJsonItem[]): string {
  return toolCalls.length === 0 ? content : `${content}${formatToolCallJson(toolCalls)}`;
}
