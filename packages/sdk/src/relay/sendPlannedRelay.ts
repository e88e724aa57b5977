import type { RelayDomainParameters } from "@aviary/protocol";
import type { PlannedCandidate } from "./planRelay.ts";
import type { PreparedRelayBody } from "./prepareRelayBody.ts";
import { relayMaxCost } from "./prepareRelayBody.ts";
import type { RelaySigner, SignedRelay } from "./RelaySigner.ts";
import { relayHedged } from "./relayHedged.ts";
import {
  type RelayAttemptOptions,
  type RelayAttemptReport,
  type RelayWithFailoverReturnType,
  relayWithFailover,
} from "./relayWithFailover.ts";

export type SendPlannedRelayParameters = {
  prepared: Pick<
    PreparedRelayBody,
    "route" | "bytes" | "bodyHash" | "modelId" | "inputUnits" | "outputUnits"
  >;
  /** `planRelay`'s answer. */
  session: bigint;
  plan: readonly PlannedCandidate[];
  signer: RelaySigner;
  domain: RelayDomainParameters;
  /** Start a parallel attempt on the plan's next supplier after this long without an answer, ms. @default null (never) */
  hedgeAfterMs?: number | null;
  /** Every attempt's outcome (feed `reportRelayAttempt` with it). Must not throw. */
  onAttempt?: (report: RelayAttemptReport<PlannedCandidate>) => void;
  /** A hedge that lost the race but was served anyway (a JSON answer): a real, billed relay. */
  onHedgeLoser?: (loser: PlannedRelayResult) => void;
} & RelayAttemptOptions;

/** The answer, with the signed request it answered (its signature and relay key, computed once). */
export type PlannedRelayResult = RelayWithFailoverReturnType<PlannedCandidate> & { signed: SignedRelay };
export type SendPlannedRelayReturnType = PlannedRelayResult;

/**
 * Signs and sends a planned relay: each attempt gets a freshly signed request for its supplier's prices
 * (`signer.sign`), failover as `relayWithFailover` decides, and with `hedgeAfterMs` a second lane
 * (`relayHedged`). Every signed attempt is settled with the signer exactly once: at its report (the receipt's
 * cost or 0), or with 0 when it ended unreported (aborted by the caller, a hedge that lost).
 *
 * @param parameters - the prepared body, the plan, the signer, the domain, hedging and limits.
 * @throws {RelayFailedError} when no attempt succeeded; {@link RelayAbortedError} when `signal` fired; what
 *   `signer.sign` threw.
 * @example
 * ```ts
 * const { session, plan } = await planRelay({ prepared, sessions, directory, book, strategy });
 * const result = await sendPlannedRelay({ prepared, session, plan, signer, domain });
 * ```
 */
export async function sendPlannedRelay(
  parameters: SendPlannedRelayParameters,
): Promise<SendPlannedRelayReturnType> {
  const { prepared, session, signer } = parameters;
  // Each supplier is in the plan once: its address names its attempt across both hedge lanes.
  const unsettled = new Map<string, SignedRelay>();
  const settle = (address: string, cost: bigint) => {
    const signed = unsettled.get(address);
    if (!signed) return;
    unsettled.delete(address);
    signer.settle?.(signed, cost);
  };
  const settleAll = (candidates: readonly PlannedCandidate[]) => {
    for (const candidate of candidates) settle(candidate.address, 0n);
  };
  const signedFor = new Map<string, SignedRelay>();

  const runLane = async (_lane: number, candidates: PlannedCandidate[], signal: AbortSignal | undefined) => {
    try {
      const result = await relayWithFailover<PlannedCandidate>({
        candidates,
        route: prepared.route,
        body: prepared.bytes,
        domain: parameters.domain,
        signal,
        fetch: parameters.fetch,
        transport: parameters.transport,
        firstByteTimeoutMs: parameters.firstByteTimeoutMs,
        chunkTimeoutMs: parameters.chunkTimeoutMs,
        maxResponseBytes: parameters.maxResponseBytes,
        recoverSigner: parameters.recoverSigner,
        signRelay: async (candidate) => {
          const signed = await signer.sign({
            candidate,
            session,
            modelId: prepared.modelId,
            bodyHash: prepared.bodyHash,
            maxCost: relayMaxCost(prepared, candidate),
          });
          unsettled.set(candidate.address, signed);
          signedFor.set(candidate.address, signed);
          return signed;
        },
        onAttempt: (report) => {
          settle(report.candidate.address, report.outcome.ok ? report.outcome.receipt.cost : 0n);
          parameters.onAttempt?.(report);
        },
      });
      const signed = signedFor.get(result.candidate.address) as SignedRelay;
      return { ...result, signed } as PlannedRelayResult;
    } catch (error) {
      // Aborted attempts are not reported: release what they reserved.
      settleAll(candidates);
      throw error;
    }
  };

  const { hedgeAfterMs } = parameters;
  if (!hedgeAfterMs || parameters.plan.length < 2) return runLane(0, [...parameters.plan], parameters.signal);
  return relayHedged<PlannedCandidate, PlannedRelayResult>({
    candidates: parameters.plan,
    hedgeAfterMs,
    signal: parameters.signal,
    runLane,
    onLoser: (loser) => {
      // A losing stream was cancelled before anyone read it: nothing will report it.
      if (loser.kind === "stream") settle(loser.candidate.address, 0n);
      else parameters.onHedgeLoser?.(loser);
    },
  });
}
