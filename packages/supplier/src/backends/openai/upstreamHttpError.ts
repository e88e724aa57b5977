import {
  type BackendError,
  BackendTimeoutError,
  BackendUnavailableError,
  BackendUpstreamRejectedError,
} from "../errors.ts";
import { upstreamErrorSchema } from "./openAiResponseSchemas.ts";

export type UpstreamHttpErrorParameters = {
  /** The backend's description, for the message. */
  description: string;
  /** The upstream HTTP status (≥ 400). */
  status: number;
  /** The upstream body as text (OpenAI error JSON or anything else). */
  body: string;
  timeoutMs: number;
};

/**
 * Maps an upstream HTTP error to the {@link BackendError} the supplier answers with:
 *
 * | upstream                | supplier | code                  | retryable |
 * | ----------------------- | -------- | --------------------- | --------- |
 * | 400, 413, 422, other 4xx | 400     | `invalid_request`     | no        |
 * | 401, 403                | 502      | `backend_auth_failed` | no        |
 * | 404                     | 502      | `backend_misconfigured` | no      |
 * | 408                     | 504      | `backend_timeout`     | yes       |
 * | 429                     | 503      | `backend_overloaded`  | yes       |
 * | 5xx                     | 502      | `backend_unavailable` | yes       |
 *
 * @param parameters - description, status, body text and the backend's timeout.
 * @example
 * ```ts
 * throw upstreamHttpError({ description, status: response.status, body: await response.text(), timeoutMs });
 * ```
 */
export function upstreamHttpError({
  description,
  status,
  body,
  timeoutMs,
}: UpstreamHttpErrorParameters): BackendError {
  const message = upstreamErrorMessage(body) || `HTTP ${status}`;
  if (status >= 500) {
    return new BackendUnavailableError({
      description,
      reason: `upstream answered HTTP ${status}`,
      details: message,
    });
  }
  if (status === 408) return new BackendTimeoutError({ description, timeoutMs, cause: new Error(message) });
  const rejected = (supplierStatus: number, code: string, isRetryable = false) =>
    new BackendUpstreamRejectedError({
      description,
      upstreamStatus: status,
      message,
      status: supplierStatus,
      code,
      isRetryable,
    });
  if (status === 401 || status === 403) return rejected(502, "backend_auth_failed");
  if (status === 404) return rejected(502, "backend_misconfigured");
  if (status === 429) return rejected(503, "backend_overloaded", true);
  return rejected(400, "invalid_request");
}

/** The message of an upstream error body (OpenAI's shape or a looser one), else its first 500 characters. */
export function upstreamErrorMessage(body: string): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return body.trim().slice(0, 500);
  }
  const parsed = upstreamErrorSchema.safeParse(json);
  if (!parsed.success) return body.trim().slice(0, 500);
  const { error, message, detail } = parsed.data as {
    error?: string | { message: string };
    message?: string;
    detail?: string;
  };
  if (typeof error === "string") return error;
  return error?.message ?? message ?? detail ?? "";
}
