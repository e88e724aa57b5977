import type { ChatMessageInput, ChatToolChoice, ChatToolDefinition } from "@aviary/protocol";
import { z } from "zod";
import { BackendInvalidRequestError } from "./errors.ts";

/** `max_tokens` when the request names none: OpenAI's 16 for completions; 256 for chat (bounded, unlike llama.cpp's −1). */
export const defaultMaxTokens = { "chat/completions": 256, completions: 16 } as const;

const textPartSchema = z.object({ type: z.literal("text"), text: z.string() });

const toolCallSchema = z.object({
  id: z.string().min(1),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const messageSchema = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool"]),
    content: z.union([z.string(), z.array(textPartSchema), z.null()]).optional(),
    /** Assistant turns: the calls made (rendered back into the prompt as the call JSON). */
    tool_calls: z.array(toolCallSchema).nullish(),
    /** Tool turns: the call answered. */
    tool_call_id: z.string().min(1).nullish(),
  })
  .refine((message) => message.role !== "tool" || message.tool_call_id != null, {
    error: "a tool message needs tool_call_id",
    path: ["tool_call_id"],
  });

const functionNameSchema = z
  .string()
  .regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1–64 letters, digits, underscores or dashes");

const toolSchema = z.object({
  type: z.literal("function"),
  function: z.object({
    name: functionNameSchema,
    description: z.string().optional(),
    /** Kept as a record: its key order is the client's (the grammar writes properties in that order). */
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

const responseFormatSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({
      name: functionNameSchema,
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

/** Chat fields that shape the output: tools and the response format. */
const outputShapeSchema = {
  tools: z.array(toolSchema).nullish(),
  tool_choice: z
    .union([
      z.enum(["none", "auto", "required"]),
      z.object({ type: z.literal("function"), function: z.object({ name: functionNameSchema }) }),
    ])
    .nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: responseFormatSchema.nullish(),
};

const samplingSchema = {
  model: z.string().optional(),
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).nullish(),
  n: z.literal(1).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  /** Token id (a decimal string, checked against the vocabulary by the runtime) → bias added to its logit. */
  logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullish(),
};

/** The OpenAI chat request fields the backends use; other OpenAI fields pass through untouched. */
export const chatCompletionRequestSchema = z.looseObject({
  ...samplingSchema,
  messages: z.array(messageSchema).min(1),
  max_completion_tokens: z.number().int().positive().nullish(),
  ...outputShapeSchema,
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
});

/** The OpenAI (legacy) completion request fields the backends use. */
export const completionRequestSchema = z.looseObject({
  ...samplingSchema,
  prompt: z.union([z.string(), z.tuple([z.string()])]),
  /** Completions' `logprobs` is the number of alternatives (0–5), not a flag as in chat. */
  logprobs: z.number().int().min(0).max(5).nullish(),
});

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
 * @param route - `chat/completions` or `completions`.
 * @param body - the request JSON.
 * @throws {BackendInvalidRequestError} (HTTP 400) naming the first problem.
 * @example
 * ```ts
 * const request = parseGenerationRequest("chat/completions", { messages: [{ role: "user", content: "Hi" }] });
 * request.maxTokens; // 256
 * ```
 */
export function parseGenerationRequest(
  route: "chat/completions" | "completions",
  body: unknown,
): GenerationRequest {
  if (route === "chat/completions") {
    const parsed = parseOrThrow(chatCompletionRequestSchema, body);
    return {
      route,
      ...sampling(
        parsed,
        parsed.max_completion_tokens ?? parsed.max_tokens ?? defaultMaxTokens[route],
        chatLogprobs(parsed),
      ),
      // Mapped to the prompt by `toChatHistory` (shared with the gateway's billing recount).
      messages: parsed.messages,
      ...outputShape(parsed),
    };
  }
  const parsed = parseOrThrow(completionRequestSchema, body);
  return {
    route,
    ...sampling(parsed, parsed.max_tokens ?? defaultMaxTokens[route], parsed.logprobs ?? undefined),
    prompt: typeof parsed.prompt === "string" ? parsed.prompt : parsed.prompt[0],
  };
}

function sampling(
  parsed: z.infer<typeof completionRequestSchema> | z.infer<typeof chatCompletionRequestSchema>,
  maxTokens: number,
  logprobs: number | undefined,
): Sampling {
  return {
    model: parsed.model,
    maxTokens,
    temperature: parsed.temperature ?? 1,
    topP: parsed.top_p ?? 1,
    seed: parsed.seed ?? undefined,
    stop: parsed.stop == null ? [] : typeof parsed.stop === "string" ? [parsed.stop] : parsed.stop,
    frequencyPenalty: parsed.frequency_penalty ?? 0,
    presencePenalty: parsed.presence_penalty ?? 0,
    logitBias: logitBias(parsed.logit_bias ?? {}),
    logprobs,
  };
}

/** Chat's `logprobs` flag and `top_logprobs` count as one number; OpenAI refuses alternatives without the flag. */
function chatLogprobs(parsed: z.infer<typeof chatCompletionRequestSchema>): number | undefined {
  if (parsed.logprobs === true) return parsed.top_logprobs ?? 0;
  if ((parsed.top_logprobs ?? 0) > 0) {
    throw new BackendInvalidRequestError({ reason: "`top_logprobs` needs `logprobs: true`" });
  }
  return undefined;
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
function outputShape(parsed: z.infer<typeof chatCompletionRequestSchema>): ChatOutputShape {
  const tools = (parsed.tools ?? []).map(({ function: tool }) => ({
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
  }));
  for (const [index, tool] of tools.entries()) {
    if (tools.findIndex((other) => other.name === tool.name) !== index) {
      throw new BackendInvalidRequestError({
        reason: `\`tools.${index}.function.name\`: "${tool.name}" names two tools`,
        param: `tools.${index}.function.name`,
      });
    }
  }
  const choice = parsed.tool_choice;
  let toolChoice: ChatToolChoice;
  if (choice == null) toolChoice = tools.length > 0 ? "auto" : "none";
  else if (typeof choice === "string") toolChoice = choice;
  else toolChoice = { name: choice.function.name };
  if (tools.length === 0 && toolChoice !== "none") {
    throw new BackendInvalidRequestError({ reason: "`tool_choice`: needs `tools`", param: "tool_choice" });
  }
  if (typeof toolChoice === "object") {
    const name = toolChoice.name;
    if (!tools.some((tool) => tool.name === name)) {
      throw new BackendInvalidRequestError({
        reason: `\`tool_choice.function.name\`: names no tool in tools: "${name}"`,
        param: "tool_choice.function.name",
      });
    }
  }
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
  return { tools, toolChoice, parallelToolCalls: parsed.parallel_tool_calls ?? true, responseFormat };
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
