import { embeddingRequestSchema } from "@aviary/protocol";
import { BackendInvalidRequestError } from "./errors.ts";
import { parseBackendBody } from "./parseGenerationRequest.ts";

/** One text to embed: a string, or token ids as the client tokenized it. */
export type EmbeddingInput = string | number[];

export type EmbeddingRequest = {
  model: string | undefined;
  /** The inputs in order; `input` as a single string or a single array of ids is one input. */
  input: EmbeddingInput[];
  /** `float`: arrays of numbers; `base64`: little-endian float32 bytes in base64 (OpenAI's two encodings). */
  encodingFormat: "float" | "base64";
  /** Undefined: the model's full size. */
  dimensions: number | undefined;
};

/** What the serving model allows; a backend that cannot know them (an upstream server) passes none. */
export type EmbeddingModelLimits = {
  /** Token ids must be below it. */
  vocabularySize?: number;
  /** The model's embedding size: `dimensions` may not exceed it. */
  embeddingSize?: number;
};

export type ParseEmbeddingRequestErrorType = BackendInvalidRequestError;

/**
 * Validates an OpenAI embeddings body: `input` is a string, 1–2048 strings, an array of token ids (one
 * input) or 1–2048 arrays of token ids; `encoding_format` `float` (default) or `base64`; `dimensions` a
 * positive integer. With `limits`, token ids are checked against the vocabulary and `dimensions` against the
 * embedding size. Empty strings are refused, as OpenAI refuses them (there is nothing to embed).
 *
 * @param body - the request JSON.
 * @param limits - the serving model's vocabulary and embedding sizes, when known.
 * @throws {BackendInvalidRequestError} (HTTP 400) naming the first problem: the empty string (`input.<index>`,
 * or `input` alone), the id outside the vocabulary (`input.<position>` in an array of ids,
 * `input.<index>.<position>` in an array of arrays), `dimensions` above the model's size.
 * @example
 * ```ts
 * parseEmbeddingRequest({ input: "hello" });
 * // { model: undefined, input: ["hello"], encodingFormat: "float", dimensions: undefined }
 * parseEmbeddingRequest({ input: [15339, 1917], encoding_format: "base64" }).input; // [[15339, 1917]]
 * ```
 */
export function parseEmbeddingRequest(body: unknown, limits: EmbeddingModelLimits = {}): EmbeddingRequest {
  const { body: parsed, model } = parseBackendBody(embeddingRequestSchema, body);
  const { input } = parsed;
  const single = typeof input === "string" || typeof input[0] === "number";
  const inputs = single ? [input as EmbeddingInput] : (input as EmbeddingInput[]);
  // Paths as the client wrote them: a single array of ids is `input.<position>`, not `input.0.<position>`.
  const path = (index: number, position?: number) =>
    ["input", ...(single ? [] : [index]), ...(position === undefined ? [] : [position])].join(".");
  for (const [index, value] of inputs.entries()) {
    if (value === "") throw invalid(path(index), "an empty string (there is nothing to embed)");
    if (typeof value === "string" || limits.vocabularySize === undefined) continue;
    const position = value.findIndex((token) => token >= (limits.vocabularySize as number));
    if (position >= 0) {
      throw invalid(
        path(index, position),
        `${value[position]} is not a token of this model (its ids are 0 to ${limits.vocabularySize - 1})`,
      );
    }
  }
  const dimensions = parsed.dimensions ?? undefined;
  if (dimensions !== undefined && limits.embeddingSize !== undefined && dimensions > limits.embeddingSize) {
    throw invalid("dimensions", `${dimensions} is more than this model's ${limits.embeddingSize}`);
  }
  return {
    model,
    input: inputs,
    encodingFormat: parsed.encoding_format ?? "float",
    dimensions,
  };
}

function invalid(path: string, reason: string): BackendInvalidRequestError {
  return new BackendInvalidRequestError({ reason: `\`${path}\`: ${reason}`, param: path });
}
