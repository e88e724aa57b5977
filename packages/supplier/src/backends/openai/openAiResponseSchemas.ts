import { z } from "zod";

/**
 * Upstream `usage`. Chat and completions have all three counts; embeddings have no `completion_tokens`.
 * Missing or `null` usage is not accepted here (see `BackendUsageMissingError`).
 */
export const upstreamUsageSchema = z.looseObject({
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0).optional(),
  total_tokens: z.number().int().min(0).optional(),
});

/** `stop`, `length`, `tool_calls`, `content_filter`… (servers add their own). */
const finishReasonSchema = z.string().nullish();

/** A tool call of a message: `content` is then usually null and `finish_reason` `tool_calls`. */
const toolCallSchema = z.looseObject({
  id: z.string(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

/** A piece of a streamed tool call: the first has `id` and `function.name`, later ones `arguments` pieces. */
const toolCallDeltaSchema = z.looseObject({
  index: z.number().int(),
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

/**
 * `logprobs` of a choice: chat's `{ content: [{ token, logprob, top_logprobs }] }`, or completions'
 * `{ tokens, token_logprobs, top_logprobs, text_offset }`; passed on as sent, only its shape checked.
 */
const logprobsSchema = z
  .union([
    z.looseObject({
      content: z
        .array(
          z.looseObject({
            token: z.string(),
            logprob: z.number(),
            top_logprobs: z.array(z.unknown()).optional(),
          }),
        )
        .nullish(),
    }),
    z.looseObject({ tokens: z.array(z.string()), token_logprobs: z.array(z.number().nullable()) }),
  ])
  .nullish();

/**
 * A non-streamed `chat.completion` or `text_completion` (only what the backend relies on is checked; every
 * other field, and `tool_calls` and `logprobs`, is passed on as sent).
 */
export const upstreamCompletionSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        index: z.number().int().optional(),
        message: z
          .looseObject({
            role: z.string().optional(),
            content: z.string().nullish(),
            tool_calls: z.array(toolCallSchema).nullish(),
          })
          .optional(),
        text: z.string().optional(),
        logprobs: logprobsSchema,
        finish_reason: finishReasonSchema,
      }),
    )
    .min(1),
  usage: z.unknown().optional(),
});

/** A streamed chunk: content chunks have choices; the last one (with `include_usage`) may have none and `usage`. */
export const upstreamChunkSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        index: z.number().int().optional(),
        delta: z
          .looseObject({
            role: z.string().nullish(),
            content: z.string().nullish(),
            tool_calls: z.array(toolCallDeltaSchema).nullish(),
          })
          .optional(),
        text: z.string().nullish(),
        logprobs: logprobsSchema,
        finish_reason: finishReasonSchema,
      }),
    )
    .default([]),
  usage: z.unknown().optional(),
});

/** An embeddings `list`. */
export const upstreamEmbeddingsSchema = z.looseObject({
  data: z.array(
    z.looseObject({ index: z.number().int(), embedding: z.union([z.array(z.number()), z.string()]) }),
  ),
  usage: z.unknown().optional(),
});

/** `GET /models`. */
export const upstreamModelsSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) });

/** OpenAI's error body `{ error: { message } }`, or the looser shapes some servers send. */
export const upstreamErrorSchema = z.union([
  z.looseObject({ error: z.looseObject({ message: z.string() }) }),
  z.looseObject({ error: z.string() }),
  z.looseObject({ message: z.string() }),
  z.looseObject({ detail: z.string() }),
]);

/**
 * An upstream `images/generations` answer: `data` of images each with its `b64_json` (asked for with
 * `response_format: "b64_json"`); the count is checked against `n` by the backend.
 */
export const upstreamImagesSchema = z.looseObject({
  created: z.number().int().nonnegative().optional(),
  data: z.array(
    z.looseObject({
      b64_json: z
        .string()
        .min(1, "must be the image as base64")
        .regex(/^[A-Za-z0-9+/=\s]+$/, "must be base64"),
    }),
  ),
});
