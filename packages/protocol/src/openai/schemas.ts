import { z } from "zod";

// OpenAI request bodies, as far as Aviary reads them. Unknown fields pass through untouched (clients send
// many); the ones read here are checked so that a bad value is refused with a message naming it.

const textPart = z.object({ type: z.literal("text"), text: z.string() }).passthrough();
const messageContent = z.union([z.string(), z.array(textPart).min(1), z.null()]);

export const chatMessageSchema = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool"]),
    content: messageContent,
    name: z.string().optional(),
  })
  .passthrough();

const stop = z.union([z.string(), z.array(z.string()).max(4)]).nullish();
const sampling = {
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop,
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullish(),
  n: z.literal(1, { error: "only n = 1 is supported" }).nullish(),
};

/** `POST /v1/chat/completions` body. */
export const chatCompletionRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(chatMessageSchema).min(1, "must contain at least one message"),
    max_completion_tokens: z.number().int().positive().nullish(),
    ...sampling,
  })
  .passthrough();

/** `POST /v1/completions` body (a single prompt). */
export const completionRequestSchema = z
  .object({
    model: z.string().min(1),
    prompt: z.union([z.string(), z.array(z.string()).length(1, "only one prompt per request is supported")]),
    ...sampling,
  })
  .passthrough();

/** `POST /v1/embeddings` body. */
export const embeddingRequestSchema = z
  .object({
    model: z.string().min(1),
    input: z.union([z.string(), z.array(z.string()).min(1).max(256)]),
    encoding_format: z.enum(["float"]).optional(),
  })
  .passthrough();

export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;
export type CompletionRequest = z.output<typeof completionRequestSchema>;
export type EmbeddingRequest = z.output<typeof embeddingRequestSchema>;

/** The OpenAI routes Aviary relays, with their body schemas. */
export const openAiRouteSchemas = {
  "chat/completions": chatCompletionRequestSchema,
  completions: completionRequestSchema,
  embeddings: embeddingRequestSchema,
} as const;

export type OpenAiRoute = keyof typeof openAiRouteSchemas;

/** `usage` of an OpenAI response. */
export const usageSchema = z
  .object({
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative().optional().default(0),
    total_tokens: z.number().int().nonnegative().optional(),
  })
  .passthrough();

/**
 * The most tokens a request may produce: `max_completion_tokens`, else `max_tokens`, else `fallback`.
 *
 * @example
 * ```ts
 * requestedMaxTokens({ max_tokens: 64 }, 256); // 64
 * ```
 */
export function requestedMaxTokens(
  body: { max_tokens?: number | null; max_completion_tokens?: number | null },
  fallback: number,
): number {
  return body.max_completion_tokens ?? body.max_tokens ?? fallback;
}
