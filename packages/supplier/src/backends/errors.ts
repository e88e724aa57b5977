import { BaseError, type BaseErrorParameters } from "@aviary/protocol";
import type { BackendUsage } from "./Backend.ts";

/** Parameters of {@link BackendError}: the base parameters plus the HTTP status and OpenAI error code. */
export type BackendErrorParameters = BaseErrorParameters & {
  /** The HTTP status the supplier's server should answer with. */
  status: number;
  /** OpenAI-style error code (`invalid_request`, `backend_unavailable`, `backend_timeout`, …). */
  code: string;
};

/**
 * What every backend throws. `status` is the HTTP status to answer with, `code` the OpenAI error code,
 * `isRetryable` whether the same request may succeed later (or on another supplier).
 *
 * @example
 * ```ts
 * try {
 *   await backend.complete(request);
 * } catch (error) {
 *   if (error instanceof BackendError) reply(error.status, { error: { message: error.shortMessage, code: error.code } });
 * }
 * ```
 */
export class BackendError extends BaseError {
  override name = "BackendError";
  readonly status: number;
  readonly code: string;
  constructor(shortMessage: string, { status, code, ...parameters }: BackendErrorParameters) {
    super(shortMessage, parameters);
    this.status = status;
    this.code = code;
  }
}

/**
 * The request body is not one the backend can serve (schema, empty messages, unsupported option). HTTP 400.
 *
 * @example
 * ```ts
 * throw new BackendInvalidRequestError({ reason: "`messages` must not be empty" });
 * ```
 */
export class BackendInvalidRequestError extends BackendError {
  override name = "BackendInvalidRequestError";
  /** The body field (path) at fault, for the 400's `param`: OpenAI clients show it. */
  readonly param: string | undefined;
  constructor({
    reason,
    cause,
    details,
    param,
  }: { reason: string; cause?: unknown; details?: string; param?: string }) {
    super(`Invalid request: ${reason}`, { status: 400, code: "invalid_request", cause, details });
    this.param = param;
  }
}

/**
 * The request asks for something this backend does not do (a streamed image, a `url` answer): HTTP 400
 * `unsupported_parameter` naming the field, as `unsupportedRequestField` refusals are.
 *
 * @example
 * ```ts
 * throw new BackendParameterUnsupportedError({ param: "stream", reason: "images are not streamed" });
 * ```
 */
export class BackendParameterUnsupportedError extends BackendError {
  override name = "BackendParameterUnsupportedError";
  /** The body field at fault, for the 400's `param`. */
  readonly param: string;
  constructor({ param, reason }: { param: string; reason: string }) {
    super(`\`${param}\`: ${reason}`, { status: 400, code: "unsupported_parameter" });
    this.param = param;
  }
}

/**
 * The prompt does not fit the model's context (leaving room for at least one generated token). HTTP 400.
 *
 * @example
 * ```ts
 * throw new BackendContextLengthExceededError({ promptTokens: 5000, contextSize: 4096 });
 * ```
 */
export class BackendContextLengthExceededError extends BackendError {
  override name = "BackendContextLengthExceededError";
  readonly promptTokens: number;
  readonly contextSize: number;
  constructor({ promptTokens, contextSize }: { promptTokens: number; contextSize: number }) {
    super(`The prompt (${promptTokens} tokens) does not fit the context of ${contextSize} tokens.`, {
      status: 400,
      code: "context_length_exceeded",
    });
    this.promptTokens = promptTokens;
    this.contextSize = contextSize;
  }
}

/**
 * The backend does not serve this route (e.g. embeddings on a runtime without them, or a streamed embedding).
 * HTTP 400.
 *
 * @example
 * ```ts
 * throw new BackendRouteUnsupportedError({ route: "embeddings", description: backend.description });
 * ```
 */
export class BackendRouteUnsupportedError extends BackendError {
  override name = "BackendRouteUnsupportedError";
  constructor({ route, description, reason }: { route: string; description: string; reason?: string }) {
    super(`Route \`${route}\` is not supported by ${description}${reason ? `: ${reason}` : ""}.`, {
      status: 400,
      code: "unsupported_route",
    });
  }
}

/**
 * The model file does not exist or cannot be read. HTTP 503 (the node cannot serve this model).
 *
 * @example
 * ```ts
 * throw new BackendModelNotFoundError({ path: "/models/x.gguf" });
 * ```
 */
export class BackendModelNotFoundError extends BackendError {
  override name = "BackendModelNotFoundError";
  constructor({ path, cause }: { path: string; cause?: unknown }) {
    super(`Model file not found or not readable: ${path}`, { status: 503, code: "model_not_found", cause });
  }
}

/**
 * The model file is not a GGUF model the runtime can load (bad magic, corrupt, unsupported architecture),
 * or the runtime failed to create a context for it. HTTP 503.
 *
 * @example
 * ```ts
 * throw new BackendModelInvalidError({ path: "/models/x.gguf", reason: "not a GGUF file" });
 * ```
 */
export class BackendModelInvalidError extends BackendError {
  override name = "BackendModelInvalidError";
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: unknown }) {
    super(`Model file ${path} cannot be served: ${reason}.`, { status: 503, code: "model_invalid", cause });
  }
}

/**
 * The model file's SHA-256 is not the one the node was configured (and paid) to serve. HTTP 503.
 *
 * @example
 * ```ts
 * throw new BackendModelDigestMismatchError({ path, expected: "0xab…", actual: "0xcd…" });
 * ```
 */
export class BackendModelDigestMismatchError extends BackendError {
  override name = "BackendModelDigestMismatchError";
  readonly expected: string;
  readonly actual: string;
  constructor({ path, expected, actual }: { path: string; expected: string; actual: string }) {
    super(`Model file ${path} has SHA-256 ${actual}, expected ${expected}.`, {
      status: 503,
      code: "model_digest_mismatch",
      metaMessages: [`Expected: ${expected}`, `Actual:   ${actual}`],
    });
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * The backend is not serving: not started, closed, or the upstream server is unreachable or failing
 * (connection refused, HTTP 5xx). HTTP 502 by default; retryable unless stated.
 *
 * @example
 * ```ts
 * throw new BackendUnavailableError({ description: backend.description, reason: "connection refused", cause });
 * ```
 */
export class BackendUnavailableError extends BackendError {
  override name = "BackendUnavailableError";
  constructor({
    description,
    reason,
    cause,
    status = 502,
    isRetryable = true,
    details,
  }: {
    description: string;
    reason: string;
    cause?: unknown;
    status?: number;
    isRetryable?: boolean;
    details?: string;
  }) {
    super(`Backend ${description} is unavailable: ${reason}.`, {
      status,
      code: "backend_unavailable",
      cause,
      isRetryable,
      details,
    });
  }
}

/**
 * The upstream did not answer (first byte, or next stream chunk) within the timeout. HTTP 504, retryable.
 *
 * @example
 * ```ts
 * throw new BackendTimeoutError({ description: backend.description, timeoutMs: 60_000 });
 * ```
 */
export class BackendTimeoutError extends BackendError {
  override name = "BackendTimeoutError";
  readonly timeoutMs: number;
  constructor({
    description,
    timeoutMs,
    cause,
  }: { description: string; timeoutMs: number; cause?: unknown }) {
    super(`Backend ${description} did not answer within ${timeoutMs} ms.`, {
      status: 504,
      code: "backend_timeout",
      isRetryable: true,
      cause,
    });
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The upstream rejected the request (HTTP 4xx). Carries the upstream status and message. HTTP 400 for client
 * errors the caller can fix; 502 when the supplier's own upstream configuration is wrong (401/403).
 *
 * @example
 * ```ts
 * throw new BackendUpstreamRejectedError({ description, upstreamStatus: 400, message: "messages: too short" });
 * ```
 */
export class BackendUpstreamRejectedError extends BackendError {
  override name = "BackendUpstreamRejectedError";
  readonly upstreamStatus: number;
  constructor({
    description,
    upstreamStatus,
    message,
    status,
    code = "invalid_request",
    isRetryable = false,
  }: {
    description: string;
    upstreamStatus: number;
    message: string;
    status: number;
    code?: string;
    isRetryable?: boolean;
  }) {
    super(`Backend ${description} rejected the request (HTTP ${upstreamStatus}): ${message}`, {
      status,
      code,
      isRetryable,
    });
    this.upstreamStatus = upstreamStatus;
  }
}

/**
 * The upstream answered with JSON or SSE that does not match the OpenAI schema. HTTP 502, retryable.
 *
 * @example
 * ```ts
 * throw new BackendResponseInvalidError({ description, reason: "choices: expected array", cause: zodError });
 * ```
 */
export class BackendResponseInvalidError extends BackendError {
  override name = "BackendResponseInvalidError";
  constructor({ description, reason, cause }: { description: string; reason: string; cause?: unknown }) {
    super(`Backend ${description} sent an invalid response: ${reason}`, {
      status: 502,
      code: "backend_response_invalid",
      isRetryable: true,
      cause,
    });
  }
}

/**
 * The upstream answered without `usage`. Units are metered from the runtime's own counts, so a response without
 * them is refused rather than served free or estimated. HTTP 502, not retryable (the upstream is misconfigured).
 *
 * @example
 * ```ts
 * throw new BackendUsageMissingError({ description: backend.description });
 * ```
 */
export class BackendUsageMissingError extends BackendError {
  override name = "BackendUsageMissingError";
  constructor({ description }: { description: string }) {
    super(`Backend ${description} answered without token usage.`, {
      status: 502,
      code: "backend_usage_missing",
      metaMessages: [
        "OpenAI-compatible servers must report `usage` (streams: `stream_options.include_usage`).",
      ],
    });
  }
}

/**
 * The request's `signal` aborted it (client gone, server shutting down). `usage` holds what the runtime had
 * already done when it knows it (embedded backend), so the work can still be accounted. HTTP 499.
 *
 * @example
 * ```ts
 * throw new BackendRequestAbortedError({ usage: { promptTokens: 12, completionTokens: 3 } });
 * ```
 */
export class BackendRequestAbortedError extends BackendError {
  override name = "BackendRequestAbortedError";
  readonly usage: BackendUsage | undefined;
  constructor({ usage, cause }: { usage?: BackendUsage; cause?: unknown } = {}) {
    super("The request was aborted.", { status: 499, code: "request_aborted", cause });
    this.usage = usage;
  }
}

/**
 * The runtime failed while serving a request, for a reason that is not the request's fault. HTTP 500.
 *
 * @example
 * ```ts
 * throw new BackendInternalError({ description: backend.description, cause });
 * ```
 */
export class BackendInternalError extends BackendError {
  override name = "BackendInternalError";
  constructor({ description, cause }: { description: string; cause?: unknown }) {
    super(`Backend ${description} failed while serving the request.`, {
      status: 500,
      code: "backend_error",
      cause,
      isRetryable: true,
    });
  }
}

/**
 * The backend's own options are invalid (a configuration error, not the request's). HTTP 500.
 *
 * @example
 * ```ts
 * throw new BackendOptionsInvalidError({ backend: "embedded", reason: "`expectedSha256`: required" });
 * ```
 */
export class BackendOptionsInvalidError extends BackendError {
  override name = "BackendOptionsInvalidError";
  constructor({ backend, reason, details }: { backend: string; reason: string; details?: string }) {
    super(`Invalid ${backend} backend options: ${reason}`, {
      status: 500,
      code: "backend_misconfigured",
      details,
    });
  }
}
