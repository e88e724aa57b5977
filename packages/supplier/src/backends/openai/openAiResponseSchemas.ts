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

const finishReasonSchema = z.string().nullish();

/** A non-streamed `chat.completion` or `text_completion` (only what the backend relies on is checked). */
export const upstreamCompletionSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        index: z.number().int().optional(),
        message: z.looseObject({ role: z.string().optional(), content: z.string().nullish() }).optional(),
        text: z.string().optional(),
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
        delta: z.looseObject({ role: z.string().nullish(), content: z.string().nullish() }).optional(),
        text: z.string().nullish(),
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
