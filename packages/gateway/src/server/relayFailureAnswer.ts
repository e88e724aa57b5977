import {
  BaseError,
  ChainReadError,
  NoEligibleSupplierError,
  NoSupplierError,
  RelayAbortedError,
  RelayBodyInvalidError,
  RelayFailedError,
  relayErrorAnswer,
  UnsupportedParameterError,
} from "@aviary/sdk";
import { ApplicationsExhaustedError, KeyBudgetExceededError } from "./errors.ts";

/** The status, OpenAI code, message (and field, when one is at fault) the gateway answers a failed relay with. */
export type RelayFailureAnswer = { status: number; code: string; message: string; param?: string | null };

/**
 * The gateway's answer when an admitted relay got no answer. Unlike the SDK (which passes the last supplier's
 * status and code on), the gateway answers one `502 suppliers_unavailable` for supplier-side failures: its
 * clients should not depend on which supplier failed how. A client error (bad body, context too long) is passed
 * on as it is; `402 insufficient_quota` when the key's budget cannot pay a failover; `503
 * applications_exhausted` when no application could pay; `499` when the client went away. A pipeline error of
 * a fallback model (`models: [...]`: no supplier, an unsupported field, the chain unreadable) is answered as
 * the SDK answers it (`relayErrorAnswer`).
 *
 * @param error - what `sendPlannedRelay` (or a fallback model's planning) threw.
 * @example
 * ```ts
 * const { status, code, message } = relayFailureAnswer(error);
 * return openAiErrorResponse(status, code, message);
 * ```
 */
export function relayFailureAnswer(error: unknown): RelayFailureAnswer {
  if (error instanceof KeyBudgetExceededError)
    return { status: 402, code: "insufficient_quota", message: error.shortMessage };
  if (error instanceof ApplicationsExhaustedError)
    return { status: 503, code: "applications_exhausted", message: error.shortMessage };
  if (error instanceof RelayAbortedError)
    return { status: 499, code: "client_closed_request", message: error.shortMessage };
  if (error instanceof RelayFailedError) {
    const { status, code } = error;
    if (status >= 400 && status < 500 && status !== 402 && status !== 409)
      return { status, code, message: error.shortMessage, param: error.param };
    return {
      status: 502,
      code: "suppliers_unavailable",
      message: `Every supplier tried failed: ${error.shortMessage}`,
    };
  }
  if (
    error instanceof NoSupplierError ||
    error instanceof NoEligibleSupplierError ||
    error instanceof UnsupportedParameterError ||
    error instanceof RelayBodyInvalidError ||
    error instanceof ChainReadError
  ) {
    const { status, body } = relayErrorAnswer(error);
    return { status, code: body.error.code, message: body.error.message, param: body.error.param };
  }
  const message = error instanceof BaseError ? error.shortMessage : (error as Error).message;
  return { status: 502, code: "relay_failed", message: message.split("\n")[0] ?? "relay failed" };
}
