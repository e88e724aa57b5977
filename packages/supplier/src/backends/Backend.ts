import type { BaseError, RuntimeCapabilities } from "@aviary/protocol";

/** OpenAI routes a backend may serve (the part after `/v1/`). */
export type BackendRoute = "chat/completions" | "completions" | "embeddings" | "images/generations";

/**
 * Counts from the runtime itself: the units a receipt states. Text: tokens. Images: `promptTokens` 0 and
 * `completionTokens` = images rendered × steps (protocol.md §4: an image relay bills images × steps).
 */
export type BackendUsage = { promptTokens: number; completionTokens: number };

export type BackendRequest = {
  route: BackendRoute;
  /**
   * The OpenAI request body, already validated by the server (zod). The backend must not trust any
   * other field than those of the OpenAI API; `stream` is decided by the method called, not the body.
   */
  body: Record<string, unknown>;
  /** Aborted when the client goes away or the server shuts down: stop generating. */
  signal: AbortSignal;
};

export type BackendResponse = {
  /**
   * The OpenAI response JSON (`chat.completion`, `text_completion`, `list` of embeddings, or for images
   * `{ created, data: [{ b64_json }], usage: { images, steps, units } }`), with `usage`.
   */
  body: Record<string, unknown>;
  usage: BackendUsage;
};

/**
 * Streamed output: OpenAI chunk objects (`chat.completion.chunk` / `text_completion`) as they are produced,
 * then exactly one `usage` event last. The server writes each chunk as an SSE `data:` line immediately.
 */
export type BackendStreamEvent =
  | { type: "chunk"; chunk: Record<string, unknown> }
  | { type: "usage"; usage: BackendUsage };

/**
 * A model runtime behind the supplier node: node-llama-cpp in process (`embedded`), `@aviary/image-runtime` in
 * process (`embedded-image`) or any OpenAI-compatible server (`openai`). Text backends pass
 * `describeBackendConformance`, image backends `describeImageBackendConformance`.
 *
 * One backend instance serves one model.
 */
export interface Backend {
  /** e.g. `embedded:/models/x.gguf` or `openai:http://127.0.0.1:8080` — for logs and metrics. */
  readonly description: string;
  /** Loads the model or checks the server. Throws a `BackendError` when the model cannot be served. */
  start(): Promise<void>;
  supports(route: BackendRoute): boolean;
  /**
   * What the runtime does with OpenAI's optional features (tools, JSON output, logprobs, images, context
   * length): what `unsupportedRequestField` refuses against, and what `GET /v1/supplier` advertises (with the
   * operator's data policy, which is configuration, not a property of the runtime).
   */
  capabilities(): BackendCapabilities;
  /** Non-streamed request. Throws `BackendError` (with `isRetryable`, `status`) on failure. */
  complete(request: BackendRequest): Promise<BackendResponse>;
  /** Streamed request; ends with one `usage` event. Throws `BackendError` before or during the stream. */
  stream(request: BackendRequest): AsyncIterable<BackendStreamEvent>;
  /** Tokenizes like the runtime (for metering prompts before serving). Optional. */
  countTokens?(text: string): Promise<number>;
  close(): Promise<void>;
}

/** See `Backend.capabilities`. */
export type BackendCapabilities = RuntimeCapabilities;

/** What backends throw: `status` is the HTTP status the server should answer with. */
export type BackendErrorShape = BaseError & { status: number; code: string };
