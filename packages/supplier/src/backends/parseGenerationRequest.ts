import {
  type ChatCompletionRequest,
  type ChatMessageInput,
  type ChatToolChoice,
  type ChatToolDefinition,
  type CompletionRequest,
  chatCompletionRequestSchema,
  chatHistoryParameters,
  completionRequestSchema,
  type RuntimeCapabilities,
  unsupportedRequestField,
} from "@aviary/protocol";
import { z } from "zod";
import { BackendInvalidRequestError } from "./errors.ts";

/** `max_tokens` when the request names none: OpenAI's 16 for completions; 256 for chat (bounded, unlike llama.cpp's −1). */
export const defaultMaxTokens = { "chat/completions": 256, completions: 16 } as const;

/** OpenAI's `response_format`, normalized (`strict` is enforced either way: the grammar always holds the schema). */
export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; name: string; schema: Record<string, unknown> | undefined; strict: boolean };

/** What a chat request asks of the output's shape besides its messages. */
export type ChatOutputShape = {
  /** Function tools, in the request's order (empty: none). */
  tools: ChatToolDefinition[];
  /** Default `auto` with tools, `none` without. */
  toolChoice: ChatToolChoice;
  /** Default true. */
  parallelToolCalls: boolean;
  responseFormat: ResponseFormat;
};

type Sampling = {
  /** The model name the client asked for (echoed in responses). */
  model: string | undefined;
  maxTokens: number;
  /** 0 is greedy. OpenAI's default is 1. */
  temperature: number;
  topP: number;
  /** Absent: the runtime draws a fresh seed for the request. */
  seed: number | undefined;
  /** Stop sequences: generation ends before the first one, which is not part of the output. */
  stop: string[];
  /** OpenAI's penalties over the generated tokens (-2 to 2; 0 is none). */
  frequencyPenalty: number;
  presencePenalty: number;
  /** Token id → bias added to its logit (-100 to 100). Ids are not checked against a vocabulary here. */
  logitBias: Map<number, number>;
  /** Undefined: no log-probabilities. A number: each output token's, with that many alternatives (0–20). */
  logprobs: number | undefined;
};

export type GenerationRequest =
  | ({ route: "chat/completions"; messages: ChatMessageInput[] } & ChatOutputShape & Sampling)
  | ({ route: "completions"; prompt: string } & Sampling);

export type ParseGenerationRequestErrorType = BackendInvalidRequestError;

/**
 * Validates an OpenAI chat or completion body and normalizes what a runtime needs: the messages (text
 * parts, assistant `tool_calls`, `tool` results; mapped to the prompt by `toChatHistory`), tools with
 * `tool_choice` (default `auto` with tools) and `parallel_tool_calls` (default true), `response_format`
 * (default text), `max_tokens` (or `max_completion_tokens`, default {@link defaultMaxTokens}),
 * `temperature` (default 1; 0 is greedy), `top_p`, `seed`, `stop` as an array, the penalties (default 0),
 * `logit_bias` keyed by token id, and `logprobs` as the number of alternatives wanted (chat's
 * `logprobs` + `top_logprobs`, completions' `logprobs`), undefined when not asked for.
 *
 * The body is checked with the protocol's OpenAI schema and the one field rule (`unsupportedRequestField`)
 * against the runtime's capabilities, as the supplier's server checks it before the backend sees it: a
 * backend called directly refuses the same fields.
 *
 * @param route - `chat/completions` or `completions`.
 * @param body - the request JSON.
 * @param capabilities - what the runtime honours (the backend's `capabilities()`).
 * @throws {BackendInvalidRequestError} (HTTP 400) naming the first problem.
 * @example
 * ```ts
 * const request = parseGenerationRequest("chat/completions", { model: "m", messages: [{ role: "user", content: "Hi" }] }, backend.capabilities());
 * request.maxTokens; // 256
 * ```
 */
export function parseGenerationRequest(
  route: "chat/completions" | "completions",
  body: unknown,
  capabilities: RuntimeCapabilities,
): GenerationRequest {
  if (route === "chat/completions") {
    const { body: parsed, model } = parseBackendBody(chatCompletionRequestSchema, body);
    refuseUnsupported(route, parsed, capabilities);
    return {
      route,
      ...sampling(
        parsed,
        model,
        parsed.max_completion_tokens ?? parsed.max_tokens ?? defaultMaxTokens[route],
        chatLogprobs(parsed),
      ),
      // Mapped to the prompt by `toChatHistory` (shared with the gateway's billing recount).
      messages: parsed.messages as ChatMessageInput[],
      ...outputShape(parsed),
    };
  }
  const { body: parsed, model } = parseBackendBody(completionRequestSchema, body);
  refuseUnsupported(route, parsed, capabilities);
  return {
    route,
    ...sampling(parsed, model, parsed.max_tokens ?? defaultMaxTokens[route], parsed.logprobs ?? undefined),
    // One prompt of text (the field rule refused the other shapes).
    prompt: typeof parsed.prompt === "string" ? parsed.prompt : String(parsed.prompt[0]),
  };
}

/** Stands for "no model named" while the body goes through the protocol's schema, which requires one. */
const unnamedModel = "\u0000unnamed";

/** The server always names the model; a backend called on its own may be given none (its responses then name the file's). */
function withModel(body: unknown): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body) || "model" in body) return body;
  return { ...body, model: unnamedModel };
}

/**
 * Parses a backend's request body with the protocol's OpenAI schema for its route ({@link parseOrThrow}),
 * where `model` may be absent (a backend called on its own): `model` is then undefined.
 *
 * @example
 * ```ts
 * const { body, model } = parseBackendBody(embeddingRequestSchema, { input: "hello" }); // model: undefined
 * ```
 */
export function parseBackendBody<Schema extends z.ZodType<{ model: string }>>(
  schema: Schema,
  body: unknown,
): { body: z.infer<Schema>; model: string | undefined } {
  const parsed = parseOrThrow(schema, withModel(body));
  return { body: parsed, model: parsed.model === unnamedModel ? undefined : parsed.model };
}

/** Throws the 400 the supplier's server answers for a field this runtime does not honour. */
function refuseUnsupported(
  route: "chat/completions" | "completions",
  body: Record<string, unknown>,
  capabilities: RuntimeCapabilities,
): void {
  const problem = unsupportedRequestField(route, body, capabilities);
  if (problem) throw new BackendInvalidRequestError({ reason: problem.message, param: problem.param });
}

function sampling(
  parsed: ChatCompletionRequest | CompletionRequest,
  model: string | undefined,
  maxTokens: number,
  logprobs: number | undefined,
): Sampling {
  return {
    model,
    maxTokens,
    temperature: parsed.temperature ?? 1,
    topP: parsed.top_p ?? 1,
    seed: parsed.seed ?? undefined,
    // An empty stop string would end every output at once: it stops nothing.
    stop: (parsed.stop == null ? [] : typeof parsed.stop === "string" ? [parsed.stop] : parsed.stop).filter(
      (text) => text !== "",
    ),
    frequencyPenalty: parsed.frequency_penalty ?? 0,
    presencePenalty: parsed.presence_penalty ?? 0,
    logitBias: logitBias(parsed.logit_bias ?? {}),
    logprobs,
  };
}

/** Chat's `logprobs` flag and `top_logprobs` count as one number; OpenAI refuses alternatives without the flag. */
function chatLogprobs(parsed: ChatCompletionRequest): number | undefined {
  // The schema refuses `top_logprobs` without `logprobs: true`.
  return parsed.logprobs === true ? (parsed.top_logprobs ?? 0) : undefined;
}

/** `logit_bias` keys as token ids: decimal integers (the vocabulary check needs the model, so it is the runtime's). */
function logitBias(record: Record<string, number>): Map<number, number> {
  const biases = new Map<number, number>();
  for (const [key, bias] of Object.entries(record)) {
    const token = /^\d{1,10}$/.test(key) ? Number(key) : Number.NaN;
    if (!Number.isSafeInteger(token)) {
      throw new BackendInvalidRequestError({ reason: `\`logit_bias.${key}\`: not a token id` });
    }
    biases.set(token, bias);
  }
  return biases;
}

/** Tools, tool choice and response format with OpenAI's defaults, and the checks OpenAI makes across them. */
function outputShape(parsed: ChatCompletionRequest): ChatOutputShape {
  // The schema refused duplicate tool names, a named tool that is not in `tools`, and a choice without tools.
  const { tools, toolChoice, parallelToolCalls } = chatHistoryParameters(parsed);
  const format = parsed.response_format;
  const responseFormat: ResponseFormat =
    format?.type === "json_schema"
      ? {
          type: "json_schema",
          name: format.json_schema.name,
          schema: format.json_schema.schema,
          strict: format.json_schema.strict ?? false,
        }
      : (format ?? { type: "text" });
  return { tools, toolChoice, parallelToolCalls, responseFormat };
}

/**
 * Parses `value` with `schema` or throws {@link BackendInvalidRequestError} naming the first issue and its path.
 *
 * @example
 * ```ts
 * const body = parseOrThrow(chatCompletionRequestSchema, json);
 * ```
 */
export function parseOrThrow<Schema extends z.ZodType>(schema: Schema, value: unknown): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.length ? `\`${issue.path.join(".")}\`: ` : "";
  throw new BackendInvalidRequestError({
    reason: `${path}${issue?.message ?? "invalid body"}`,
    details: z.prettifyError(result.error),
    ...(issue?.path.length ? { param: issue.path.join(".") } : {}),
  });
}
