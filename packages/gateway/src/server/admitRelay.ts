import { openAiErrorResponse } from "@aviary/protocol";
import {
  type PlannedCandidate,
  type PreparedRelayBody,
  RelayBodyInvalidError,
  relayMaxCost,
} from "@aviary/sdk";
import type { ApplicationPool } from "../applications/ApplicationPool.ts";
import type { ApiKeyRecord, GatewayStore, Reservation } from "../store/GatewayStore.ts";

export type AdmitRelayParameters = {
  store: Pick<GatewayStore, "admit">;
  pool: Pick<ApplicationPool, "largestBudget">;
  key: ApiKeyRecord;
  prepared: Pick<PreparedRelayBody, "route" | "inputUnits" | "outputUnits">;
  session: bigint;
  plan: readonly PlannedCandidate[];
};
export type AdmitRelayReturnType =
  | { admitted: true; reservation: Reservation }
  | { admitted: false; response: Response };
export type AdmitRelayErrorType = RelayBodyInvalidError;

/**
 * Admits a planned relay against what pays for it: first the applications (a relay whose cheapest planned
 * `maxCost` is above the largest session budget of every application the gateway signs for can never be
 * signed: a 400 naming `max_tokens`, not a retryable 503), then the API key's rate limits and budget, reserving
 * the worst case of the plan (`recordUsage` later settles it to the actual cost).
 *
 * @param parameters - the store, the application pool, the key, the prepared body, the plan.
 * @returns the key's reservation, or the refusal to answer (429 with `retry-after`, 402).
 * @throws {RelayBodyInvalidError} `max_tokens_too_large` (embeddings: `input_too_large`).
 * @example
 * ```ts
 * const admission = await admitRelay({ store, pool, key, prepared, session, plan });
 * if (!admission.admitted) return admission.response;
 * ```
 */
export async function admitRelay({
  store,
  pool,
  key,
  prepared,
  session,
  plan,
}: AdmitRelayParameters): Promise<AdmitRelayReturnType> {
  let cheapest: bigint | undefined;
  let worst = 0n;
  for (const candidate of plan) {
    const cost = relayMaxCost(prepared, candidate);
    if (cheapest === undefined || cost < cheapest) cheapest = cost;
    if (cost > worst) worst = cost;
  }
  const largest = await pool.largestBudget(session);
  if (cheapest !== undefined && cheapest > largest) {
    const embeddings = prepared.route === "embeddings";
    throw new RelayBodyInvalidError({
      code: embeddings ? "input_too_large" : "max_tokens_too_large",
      param: embeddings ? "input" : "max_tokens",
      message: embeddings
        ? `The input could cost up to ${cheapest} token wei, more than any application this gateway signs for can pay in a session (${largest}).`
        : `max_tokens ${prepared.outputUnits} could cost up to ${cheapest} token wei, more than any application this gateway signs for can pay in a session (${largest}); lower max_tokens.`,
    });
  }
  const tokens = Number(prepared.inputUnits + prepared.outputUnits);
  const admission = await store.admit(key.id, tokens, worst);
  if (admission.allowed) {
    return { admitted: true, reservation: { tokens, costWei: worst, windowStart: admission.windowStart } };
  }
  if (admission.reason === "budget") {
    return {
      admitted: false,
      response: openAiErrorResponse(
        402,
        "insufficient_quota",
        `This API key's budget is exhausted (${admission.limit}).`,
      ),
    };
  }
  const retryAfter = String(Math.ceil(admission.retryAfterMs / 1000));
  return {
    admitted: false,
    response: openAiErrorResponse(
      429,
      "rate_limit_exceeded",
      `Rate limit reached for this API key (${admission.limit}); retry in ${retryAfter}s.`,
      null,
      { "retry-after": retryAfter },
    ),
  };
}
