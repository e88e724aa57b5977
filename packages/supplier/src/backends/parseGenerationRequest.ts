import { z } from "zod";
import { BackendInvalidRequestError } from "./errors.ts";

/** `max_tokens` when the request names none: OpenAI's 16 for completions; 256 for chat (bounded, unlike llama.cpp's −1). */
export const defaultMaxTokens = { "chat/completions": 256, completions: 16 } as const;

const textPartSchema = z.object({ type: z.literal("text"), text: z.string() });

const messageSchema = z.object({
  role: z.enum(["system", "developer", "user", "assistant"]),
  content: z.union([z.string(), z.array(textPartSchema), z.null()]),
});

const samplingSchema = {
  model: z.string().optional(),
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).nullish(),
  n: z.literal(1).nullish(),
};

/** The OpenAI chat request fields the backends use; other OpenAI fields pass through untouched. */
export const chatCompletionRequestSchema = z.looseObject({
  ...samplingSchema,
  messages: z.array(messageSchema).min(1),
  max_completion_tokens: z.number().int().positive().nullish(),
});

/** The OpenAI (legacy) completion request fields the backends use. */
export const completionRequestSchema = z.looseObject({
  ...samplingSchema,
  prompt: z.union([z.string(), z.tuple([z.string()])]),
});

export type ChatMessage = { role: "system" | "user" | "assistant"; content: string };

type Sampling = {
  /** The model name the client asked for (echoed in responses). */
  model: string | undefined;
  maxTokens: number;
  /** 0 is greedy. OpenAI's default is 1. */
  temperature: number;
  topP: number;
  seed: number | undefined;
  /** Stop sequences: generation ends before the first one, which is not part of the output. */
  stop: string[];
};

export type GenerationRequest =
  | ({ route: "chat/completions"; messages: ChatMessage[] } & Sampling)
  | ({ route: "completions"; prompt: string } & Sampling);

export type ParseGenerationRequestErrorType = BackendInvalidRequestError;

/**
 * Validates an OpenAI chat or completion body and normalizes what a runtime needs: text-only messages
 * (`developer` folded into `system`), `max_tokens` (or `max_completion_tokens`, default {@link defaultMaxTokens}),
 * `temperature` (default 1; 0 is greedy), `top_p`, `seed`, and `stop` as an array.
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
      ...sampling(parsed, parsed.max_completion_tokens ?? parsed.max_tokens ?? defaultMaxTokens[route]),
      messages: parsed.messages.map((message) => ({
        role: message.role === "developer" ? "system" : message.role,
        content:
          typeof message.content === "string"
            ? message.content
            : (message.content ?? []).map((part) => part.text).join(""),
      })),
    };
  }
  const parsed = parseOrThrow(completionRequestSchema, body);
  return {
    route,
    ...sampling(parsed, parsed.max_tokens ?? defaultMaxTokens[route]),
    prompt: typeof parsed.prompt === "string" ? parsed.prompt : parsed.prompt[0],
  };
}

function sampling(
  parsed: z.infer<typeof completionRequestSchema> | z.infer<typeof chatCompletionRequestSchema>,
  maxTokens: number,
): Sampling {
  return {
    model: parsed.model,
    maxTokens,
    temperature: parsed.temperature ?? 1,
    topP: parsed.top_p ?? 1,
    seed: parsed.seed ?? undefined,
    stop: parsed.stop == null ? [] : typeof parsed.stop === "string" ? [parsed.stop] : parsed.stop,
  };
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
  });
}
