import { BaseError, RelayAbortedError, RelayFailedError } from "@aviary/sdk";
import { ApplicationsExhaustedError } from "./errors.ts";

/** The status, OpenAI code and message the gateway answers a relay that got no answer with. */
export type RelayFailureAnswer = { status: number; code: string; message: string };

/**
 * The gateway's answer when no attempt succeeded. Unlike the SDK (which passes the last supplier's status and
 * code on), the gateway answers one `502 suppliers_unavailable` for supplier-side failures: its clients should
 * not depend on which supplier failed how. A client error (bad body, context too long) is passed on as it is;
 * `503 applications_exhausted` when no application could pay; `499` when the client went away.
 *
 * @param error - what `sendPlannedRelay` threw.
 * @example
 * ```ts
 * const { status, code, message } = relayFailureAnswer(error);
 * return openAiErrorResponse(status, code, message);
 * ```
 */
export function relayFailureAnswer(error: unknown): RelayFailureAnswer {
  if (error instanceof ApplicationsExhaustedError)
    return { status: 503, code: "applications_exhausted", message: error.shortMessage };
  if (error instanceof RelayAbortedError)
    return { status: 499, code: "client_closed_request", message: error.shortMessage };
  if (error instanceof RelayFailedError) {
    const { status, code } = error;
    if (status >= 400 && status < 500 && status !== 402 && status !== 409)
      return { status, code, message: error.shortMessage };
    return {
      status: 502,
      code: "suppliers_unavailable",
      message: `Every supplier tried failed: ${error.shortMessage}`,
    };
  }
  const message = error instanceof BaseError ? error.shortMessage : (error as Error).message;
  return { status: 502, code: "relay_failed", message: message.split("\n")[0] ?? "relay failed" };
}
