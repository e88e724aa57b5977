import type { OpenAiRoute, RelayRequest } from "@aviary/protocol";
import type { RelayAttemptReport, SupplierCandidateInfo, VerifiedReceipt } from "@aviary/sdk";
import type { Hex } from "viem";

/** The response as the gateway passed it on: a JSON body, or the data payloads of a stream, in order. */
export type RelayedResponse =
  | { kind: "json"; body: Uint8Array }
  | { kind: "stream"; events: readonly string[] };

/**
 * A relay that completed (receipt verified, response passed on), as observers see it once the client has
 * its answer.
 */
export type RelayedExchange = {
  route: OpenAiRoute;
  /** The model's name. */
  model: string;
  modelId: Hex;
  /** The API key the request came with. */
  keyId: string;
  /** The exact body bytes relayed (what `request.bodyHash` covers). */
  relayBody: Uint8Array;
  supplier: { address: string; endpoint: string };
  request: RelayRequest;
  requestSignature: Hex;
  relayKey: Hex;
  receipt: VerifiedReceipt;
  /** What the client received: the JSON body, or the stream's `data:` payloads. */
  response: RelayedResponse;
  /** Time to the first streamed event, ms (streams). */
  ttftMs: number | null;
  /** Whole request, ms. */
  latencyMs: number;
  createdAt: number;
};

/** Watches the relay path without slowing it: called after the fact, exceptions swallowed. */
export type RelayObserver = {
  /** Every attempt, with its outcome, as routing recorded it. */
  onAttempt?(report: RelayAttemptReport<SupplierCandidateInfo>, model: string): void;
  /** Every completed relay, after its response went out. */
  onRelayed?(exchange: RelayedExchange): void;
};

/** Per-request hooks of `handleRelay` (the gateway's own audit relays use them). */
export type RelayHooks = {
  /** Called with the completed relay, after the response (or the stream's end) went out. */
  onRelayed?(exchange: RelayedExchange): void;
  /**
   * False: only failed attempts feed routing (reputation, latency, success rate). For the public evaluation
   * set, whose fixed prompts a supplier can recognise and answer honestly: they must not earn it standing.
   * @default true
   */
  countsForRouting?: boolean;
};

/**
 * Runs `work` after the current I/O callbacks, never throwing into the relay path: observers (audits,
 * evaluation) must not delay or break a client's answer.
 *
 * @param work - the observer call.
 * @example
 * ```ts
 * deferObserver(() => observer.onRelayed?.(exchange));
 * ```
 */
export function deferObserver(work: () => void): void {
  setImmediate(() => {
    try {
      work();
    } catch {
      // Observers must not throw; a failing one must not break relays either.
    }
  });
}
