import { z } from "zod";
import type { BackendInvalidRequestError } from "./errors.ts";
import { parseOrThrow } from "./parseGenerationRequest.ts";

/** The OpenAI embeddings request fields the backends use (text input only). */
export const embeddingRequestSchema = z.looseObject({
  model: z.string().optional(),
  input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
  encoding_format: z.enum(["float"]).optional(),
});

export type EmbeddingRequest = { model: string | undefined; input: string[] };

export type ParseEmbeddingRequestErrorType = BackendInvalidRequestError;

/**
 * Validates an OpenAI embeddings body: `input` is a string or 1–2048 strings; only `float` encoding.
 *
 * @param body - the request JSON.
 * @throws {BackendInvalidRequestError} (HTTP 400) naming the first problem.
 * @example
 * ```ts
 * parseEmbeddingRequest({ input: "hello" }); // { model: undefined, input: ["hello"] }
 * ```
 */
export function parseEmbeddingRequest(body: unknown): EmbeddingRequest {
  const parsed = parseOrThrow(embeddingRequestSchema, body);
  return { model: parsed.model, input: typeof parsed.input === "string" ? [parsed.input] : parsed.input };
}
