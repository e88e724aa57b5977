import { openAiErrorResponse } from "@aviary/protocol";
import {
  type PlannedCandidate,
  type PreparedRelayBody,
  RelayBodyInvalidError,
  relayMaxCost,
} from "@aviary/sdk";
import type { ApplicationPool } from "../applications/ApplicationPool.ts";
import type { ApiKeyRecord, GatewayStore, Reservation } from "../store/GatewayStore.ts";
import { KeyBudgetExceededError } from "./errors.ts";

export type AdmitRelayParameters = {
  store: Pick<GatewayStore, "admit">;
  pool: Pick<ApplicationPool, "largestBudget">;
  key: ApiKeyRecord;
  prepared: Pick<PreparedRelayBody, "route" | "inputUnits" | "outputUnits">;
  session: bigint;
  plan: readonly PlannedCandidate[];
};
export type AdmitRelayReturnType =
  | {
      admitted: true;
      /** What was reserved on the key: the first attempt's maxCost (raised later by `KeyReservation`). */
      reservation: Reservation;
      /**
       * The plan to send: as planned, unless the key can pay only cheaper suppliers than the first: then those
       * it could be admitted for come first (the others stay, for a failover the budget may still cover).
       */
      plan: PlannedCandidate[];
    }
  | { admitted: false; response: Response };
export type AdmitRelayErrorType = RelayBodyInvalidError;

/**
 * Admits a planned relay against what pays for it: first the applications (a relay whose cheapest planned
 * `maxCost` is above the largest session budget of every application the gateway signs for can never be
 * signed: a 400 naming `max_tokens`, not a retryable 503), then the API key's rate limits and budget,
 * reserving the cost of the attempt about to be made (the first planned supplier's `maxCost`), not the worst
 * case of the plan: a failover to a pricier supplier raises the reservation then (`KeyReservation`). When the
 * budget cannot cover the first supplier but can cover the cheapest, the key is admitted for the cheapest and
 * the suppliers it can pay move to the front; it is refused (402) only when even the cheapest cannot be paid,
 * with what the request would cost and what is left of the budget. `recordUsage` later settles the
 * reservation to the actual cost.
 *
 * @param parameters - the store, the application pool, the key, the prepared body, the plan.
 * @returns the key's reservation and the plan to send, or the refusal to answer (429 with `retry-after`, 402).
 * @throws {RelayBodyInvalidError} `max_tokens_too_large` (embeddings: `input_too_large`; images:
 *   `images_too_costly` naming `n`).
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
  const costs = plan.map((candidate) => relayMaxCost(prepared, candidate));
  let cheapest: bigint | undefined;
  for (const cost of costs) if (cheapest === undefined || cost < cheapest) cheapest = cost;
  const largest = await pool.largestBudget(session);
  if (cheapest !== undefined && cheapest > largest) {
    throw new RelayBodyInvalidError(tooCostly(prepared, cheapest, largest));
  }
  const tokens = Number(prepared.inputUnits + prepared.outputUnits);
  const first = costs[0] ?? 0n;
  let admission = await store.admit(key.id, tokens, first);
  let reserved = first;
  let ordered: PlannedCandidate[] = [...plan];
  if (!admission.allowed && admission.reason === "budget" && cheapest !== undefined && cheapest < first) {
    // The first supplier is beyond the budget; the cheapest may not be.
    admission = await store.admit(key.id, tokens, cheapest);
    if (admission.allowed) {
      reserved = cheapest;
      const affordable = (index: number) => (costs[index] ?? 0n) <= reserved;
      ordered = [
        ...plan.filter((_candidate, index) => affordable(index)),
        ...plan.filter((_candidate, index) => !affordable(index)),
      ];
    }
  }
  if (admission.allowed) {
    return {
      admitted: true,
      reservation: { tokens, costWei: reserved, windowStart: admission.windowStart },
      plan: ordered,
    };
  }
  if (admission.reason === "budget") {
    const error = new KeyBudgetExceededError({
      costWei: cheapest ?? first,
      remainingWei: admission.remainingWei,
      limit: admission.limit,
    });
    return { admitted: false, response: openAiErrorResponse(402, "insufficient_quota", error.shortMessage) };
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

/** The refusal of a request no application this gateway signs for could pay in a session, naming what to lower. */
function tooCostly(
  prepared: AdmitRelayParameters["prepared"],
  cheapest: bigint,
  largest: bigint,
): { code: string; param: string; message: string } {
  const most = `more than any application this gateway signs for can pay in a session (${largest})`;
  if (prepared.route === "embeddings") {
    return {
      code: "input_too_large",
      param: "input",
      message: `The input could cost up to ${cheapest} token wei, ${most}.`,
    };
  }
  if (prepared.route === "images/generations") {
    return {
      code: "images_too_costly",
      param: "n",
      message: `${prepared.outputUnits} image·steps (n × steps) could cost up to ${cheapest} token wei, ${most}; lower n or steps.`,
    };
  }
  return {
    code: "max_tokens_too_large",
    param: "max_tokens",
    message: `max_tokens ${prepared.outputUnits} could cost up to ${cheapest} token wei, ${most}; lower max_tokens.`,
  };
}
