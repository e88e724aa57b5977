import type { SequentialTestSnapshot } from "@aviary/gateway";
import {
  type AuditCheckResult,
  type AuditEvidenceWeight,
  type AuditThresholds,
  updateSequentialTest,
} from "./statistics/index.ts";

/** What {@link SequentialEvidence.add} returns. */
export type SequentialEvidenceStep = {
  snapshot: SequentialTestSnapshot;
  /** The failed `accumulated-evidence` check when this audit made the test flag; else null. */
  flagged: AuditCheckResult | null;
  /** When flagged: the relays whose evidence added up to it (relay keys, oldest first, at most 32). */
  relayKeys: string[];
};

type State = SequentialTestSnapshot & { relayKeys: string[] };

/** The counts an audit adds to (`AuditEvidenceWeight` fields of the same names). */
const COUNTED = ["greedyPositions", "flips", "logProbTokens", "replayedTokens", "replayDivergences"] as const;

/** A test with no evidence: where a new one starts, and where a flag restarts one. */
function noEvidence(): Pick<State, "statistic" | "audits" | (typeof COUNTED)[number] | "relayKeys"> {
  return {
    statistic: 0,
    audits: 0,
    greedyPositions: 0,
    flips: 0,
    logProbTokens: 0,
    replayedTokens: 0,
    replayDivergences: 0,
    relayKeys: [],
  };
}

const KEPT_RELAY_KEYS = 32;

/**
 * The sequential tests of a gateway's covert audits, one per (supplier, model): each audit's log-likelihood
 * ratio (`weighAuditEvidence`) is added to a one-sided CUSUM (`updateSequentialTest`) that flags when it reaches
 * `thresholds.evidence.threshold`, then starts again. In memory: after a restart the tests start from 0 (which
 * only delays a flag).
 *
 * @example
 * ```ts
 * const tests = new SequentialEvidence();
 * const step = tests.add({ supplier, model, weight: audit.evidence, relayKey, thresholds });
 * if (step.flagged) console.log(step.flagged.detail);
 * ```
 */
export class SequentialEvidence {
  readonly #states = new Map<string, State>();

  /** Adds one covert audit's evidence to the test of (`supplier`, `model`). */
  add({
    supplier,
    model,
    weight,
    relayKey,
    thresholds,
    now = Date.now(),
  }: {
    supplier: string;
    model: string;
    weight: AuditEvidenceWeight;
    relayKey: string;
    thresholds: AuditThresholds["evidence"];
    now?: number;
  }): SequentialEvidenceStep {
    const key = `${model}\u0000${supplier.toLowerCase()}`;
    const state = this.#states.get(key) ?? {
      supplier: supplier.toLowerCase(),
      model,
      threshold: thresholds.threshold,
      flags: 0,
      updatedAt: now,
      ...noEvidence(),
    };
    this.#states.set(key, state);
    const step = updateSequentialTest({
      statistic: state.statistic,
      increment: weight.logLikelihoodRatio,
      threshold: thresholds.threshold,
    });
    state.threshold = thresholds.threshold;
    state.audits++;
    for (const name of COUNTED) state[name] += weight[name];
    state.updatedAt = now;
    // Only audits that moved the statistic up are part of the evidence; a reset to 0 forgets the rest.
    if (step.reached === 0) state.relayKeys = [];
    else if (weight.logLikelihoodRatio > 0)
      state.relayKeys = [...state.relayKeys, relayKey].slice(-KEPT_RELAY_KEYS);
    if (!step.flagged) {
      state.statistic = step.statistic;
      return { snapshot: snapshotOf(state), flagged: null, relayKeys: [] };
    }
    const flagged: AuditCheckResult = {
      check: "accumulated-evidence",
      passed: false,
      value: step.reached,
      limit: thresholds.threshold,
      detail: `the evidence of ${state.audits} covert audits (${state.flips} of ${state.greedyPositions} greedy tokens off the reference's argmax, ${state.logProbTokens} reported log-probabilities, ${state.replayDivergences} divergences in ${state.replayedTokens} replayed tokens) reached a log-likelihood ratio of ${step.reached.toFixed(1)} nats for runtime noise ${thresholds.alternativeNoise} against ${thresholds.nullNoise}; limit ${thresholds.threshold}`,
    };
    const relayKeys = state.relayKeys;
    const snapshot = snapshotOf({ ...state, statistic: step.reached, flags: state.flags + 1 });
    Object.assign(state, { ...noEvidence(), flags: state.flags + 1 });
    return { snapshot, flagged, relayKeys };
  }

  /** The test of (`supplier`, `model`), or undefined before its first covert audit. */
  get(supplier: string, model: string): SequentialTestSnapshot | undefined {
    const state = this.#states.get(`${model}\u0000${supplier.toLowerCase()}`);
    return state ? snapshotOf(state) : undefined;
  }

  /** Every test, highest statistic first. */
  list(): SequentialTestSnapshot[] {
    return [...this.#states.values()].map(snapshotOf).sort((a, b) => b.statistic - a.statistic);
  }
}

function snapshotOf({ relayKeys: _, ...snapshot }: State): SequentialTestSnapshot {
  return { ...snapshot };
}
