import { type OpenAiErrorBody, openAiError } from "@aviary/protocol";
import {
  BaseError,
  ChainReadError,
  NoEligibleSupplierError,
  NoSupplierError,
  ReceiptInvalidError,
  RelayBodyInvalidError,
  RelayFailedError,
  StreamBrokenError,
  UnsupportedParameterError,
} from "../errors.ts";

/** An OpenAI error answer: the status and the body. */
export type RelayErrorAnswer = { status: number; body: OpenAiErrorBody };

/**
 * The OpenAI-shaped answer for an error of the relay pipeline before its first byte: 400 for a bad body
 * (naming `param`), 400 `unsupported_parameter` naming the field no supplier of the model supports, 404 `model_not_found` when nobody offers the model (`param: "model"`) or the `provider`
 * options exclude everyone (`param: "provider"`), the failover's status and code when every supplier failed,
 * 503 `chain_unavailable` when the registry cannot be read, 500 for anything else.
 *
 * @param error - what a pipeline step threw.
 * @example
 * ```ts
 * const { status, body } = relayErrorAnswer(error);
 * return new Response(JSON.stringify(body), { status });
 * ```
 */
export function relayErrorAnswer(error: unknown): RelayErrorAnswer {
  const answer = (status: number, code: string, message: string, param: string | null = null) => ({
    status,
    body: openAiError(status, code, message, param),
  });
  if (error instanceof RelayBodyInvalidError) return answer(400, error.code, error.shortMessage, error.param);
  if (error instanceof UnsupportedParameterError)
    return answer(400, "unsupported_parameter", error.shortMessage, error.param);
  if (error instanceof NoSupplierError) return answer(404, "model_not_found", error.shortMessage, "model");
  if (error instanceof NoEligibleSupplierError)
    return answer(404, "model_not_found", error.shortMessage, "provider");
  if (error instanceof RelayFailedError)
    return answer(error.status, error.code, error.shortMessage, error.param);
  if (error instanceof ChainReadError) return answer(503, "chain_unavailable", error.shortMessage);
  return answer(500, "internal_error", `Aviary error: ${messageOf(error)}`);
}

/**
 * {@link relayErrorAnswer} as a `Response` (JSON).
 *
 * @param error - what a pipeline step threw.
 * @param headers - extra response headers.
 * @example
 * ```ts
 * try { ... } catch (error) { return relayErrorResponse(error); }
 * ```
 */
export function relayErrorResponse(error: unknown, headers: Record<string, string> = {}): Response {
  const { status, body } = relayErrorAnswer(error);
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/**
 * The error event a relayed stream ends with when it broke after its first event (the status is sent: an
 * explicit error, never a clean end): `receipt_invalid`, the supplier's own error code, or `stream_broken`.
 *
 * @param error - what the stream's events threw.
 * @example
 * ```ts
 * controller.enqueue(encoder.encode(`data: ${JSON.stringify(streamErrorBody(error))}\n\n`));
 * ```
 */
export function streamErrorBody(error: unknown): OpenAiErrorBody {
  if (error instanceof ReceiptInvalidError) return openAiError(502, "receipt_invalid", error.shortMessage);
  if (error instanceof StreamBrokenError)
    return openAiError(error.status ?? 502, error.code, error.shortMessage);
  return openAiError(502, "stream_broken", messageOf(error));
}

function messageOf(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage;
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.message;
  return String(error);
}
