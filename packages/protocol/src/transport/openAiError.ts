/** OpenAI's error types, by HTTP status family. */
export type OpenAiErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "insufficient_quota"
  | "server_error";

/** The body OpenAI answers errors with: `{"error":{"message","type","param","code"}}`. */
export type OpenAiErrorBody = {
  error: { message: string; type: OpenAiErrorType; param: string | null; code: string };
};

/**
 * Builds an OpenAI-shaped error body whose `code` names the cause (protocol.md §4).
 *
 * @example
 * ```ts
 * return context.json(openAiError(409, "replayed_nonce", "This relay's nonce was already served."), 409);
 * ```
 */
export function openAiError(
  status: number,
  code: string,
  message: string,
  param: string | null = null,
): OpenAiErrorBody {
  const type: OpenAiErrorType =
    status === 401
      ? "authentication_error"
      : status === 402
        ? "insufficient_quota"
        : status === 403
          ? "permission_error"
          : status === 404
            ? "not_found_error"
            : status === 429
              ? "rate_limit_error"
              : status >= 500
                ? "server_error"
                : "invalid_request_error";
  return { error: { message, type, param, code } };
}

/**
 * An OpenAI-shaped error as a JSON `Response` (status, `{"error":{…}}`, optional extra headers).
 *
 * @example
 * return openAiErrorResponse(429, "rate_limit_exceeded", "Slow down.", null, { "retry-after": "3" });
 */
export function openAiErrorResponse(
  status: number,
  code: string,
  message: string,
  param: string | null = null,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(openAiError(status, code, message, param)), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
