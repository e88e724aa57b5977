import { WAD } from "../constants.ts";
import { ProbabilityInvalidError, ValueOutOfRangeError } from "../errors/values.ts";

/**
 * A model's difficulty state as the settlement keeps it: the EMA of estimated relays per session (wad,
 * 1e18 = one relay) and the last session folded into it.
 */
export type DifficultyState = { initialized: boolean; emaWad: bigint; lastFoldedSession: bigint };

/** The state before any session was folded. */
export const initialDifficultyState: Readonly<DifficultyState> = Object.freeze({
  initialized: false,
  emaWad: 0n,
  lastFoldedSession: 0n,
});

/** Idle sessions beyond this many recover no further (p has reached 1 and the EMA 0 long before). */
const MAX_IDLE_SESSIONS = 64n;
const WAD_SQUARED = WAD * WAD;

export type FoldDifficultyParameters = {
  state: DifficultyState;
  /** The session being folded (the contract's `pendingSession`); above `state.lastFoldedSession` once initialized. */
  dataSession: bigint;
  /** That session's mined relays: the leaf counts of all its claims on this model, summed (saturating at 2^64 − 1). */
  minedCount: bigint;
  /** The mining probability `dataSession` used (`miningProbabilityAt(model, dataSession)`; wad, > 0). */
  probabilityWad: bigint;
  /** The latest probability pushed (or the initial one): the centre of the per-fold clamp (wad, in [1, 1e18]). */
  currentProbabilityWad: bigint;
  /** Mined relays wanted per session, network-wide (`targetMinedPerSession`). */
  targetMinedPerSession: bigint;
  /** EMA weight of the new estimate (wad; devnet 0.1e18). */
  alphaWad: bigint;
};
export type FoldDifficultyReturnType = {
  state: DifficultyState;
  /** The new mining probability (wad, in [1, 1e18]), effective from the settlement's `currentSession() + 1`. */
  probabilityWad: bigint;
  /** Sessions without claims between the last fold and `dataSession` (capped at 64) that `p` recovered over. */
  idleSessions: bigint;
};
export type FoldDifficultyErrorType = ProbabilityInvalidError | ValueOutOfRangeError;

/**
 * Folds one session's mined count into a model's difficulty, exactly as the settlement's `_fold` does (all
 * floors; see the NatSpec of `IAviarySettlement`):
 * 1. `prior = initialized ? ema : 0`; idle recovery: with `k = initialized ? dataSession − lastFoldedSession − 1
 *    : 0` (capped at 64), if `k > 0`, `p_cur = min(1e18, p_cur · 2^k)` and
 *    `prior = max(ema / 2^k, target · 1e36 / p_cur)` (after a long idle stretch the model starts over as new);
 * 2. if `prior == 0` (a new model): `prior = target · 1e36 / p_cur`;
 * 3. `estimate = minedCount · 1e36 / probabilityWad`, clamped to `[prior / 2, 2 · prior]`;
 * 4. `ema' = (α · estimate + (1e18 − α) · prior) / 1e18`;
 * 5. `p' = ema' == 0 ? 1e18 : target · 1e36 / ema'`, clamped to `[p_cur / 2, 2 · p_cur]`, then to `[1, 1e18]`.
 *
 * The estimate divides by the `p` the session used, so it is unbiased whatever `p` was and the loop settles at
 * `target` mined per session (not at √(target · traffic)). The two clamps bound what one inflated count can do:
 * the EMA moves by at most (1 + α) per fold and `p` by at most 2×. See `difficulty.simulation.test.ts`.
 *
 * @example
 * ```ts
 * let state = initialDifficultyState;
 * const next = foldDifficulty({
 *   state, dataSession: 4n, minedCount: 50_000n, probabilityWad: 10n ** 18n, currentProbabilityWad: 10n ** 18n,
 *   targetMinedPerSession: 1_000n, alphaWad: 10n ** 17n,
 * });
 * next.state.emaWad; // 1100e18: the prior 1000 moved towards 50000, the observation clamped to 2 × prior
 * next.probabilityWad; // 909090909090909090 (1000 / 1100)
 * state = next.state;
 * ```
 */
export function foldDifficulty(parameters: FoldDifficultyParameters): FoldDifficultyReturnType {
  const {
    state,
    dataSession,
    minedCount,
    probabilityWad,
    currentProbabilityWad,
    targetMinedPerSession,
    alphaWad,
  } = parameters;
  if (typeof probabilityWad !== "bigint" || probabilityWad <= 0n)
    throw new ProbabilityInvalidError({
      probabilityWad: BigInt(probabilityWad),
      reason: "must be positive to divide by it",
    });
  if (typeof currentProbabilityWad !== "bigint" || currentProbabilityWad <= 0n || currentProbabilityWad > WAD)
    throw new ProbabilityInvalidError({
      probabilityWad: BigInt(currentProbabilityWad),
      reason: "the current probability must be in [1, 1e18]",
    });
  if (typeof alphaWad !== "bigint" || alphaWad < 0n || alphaWad > WAD)
    throw new ValueOutOfRangeError({ name: "alphaWad", value: alphaWad, type: "wad in [0, 1e18]" });
  if (typeof minedCount !== "bigint" || minedCount < 0n || minedCount >= 1n << 64n)
    throw new ValueOutOfRangeError({ name: "minedCount", value: minedCount, type: "uint64" });
  if (
    typeof targetMinedPerSession !== "bigint" ||
    targetMinedPerSession < 0n ||
    targetMinedPerSession >= 1n << 64n
  )
    throw new ValueOutOfRangeError({
      name: "targetMinedPerSession",
      value: targetMinedPerSession,
      type: "uint64",
    });
  if (typeof dataSession !== "bigint" || dataSession < 0n || dataSession >= 1n << 64n)
    throw new ValueOutOfRangeError({ name: "dataSession", value: dataSession, type: "uint64" });
  if (state.initialized && dataSession <= state.lastFoldedSession)
    throw new ValueOutOfRangeError({
      name: "dataSession",
      value: dataSession,
      type: `session after the last folded one (${state.lastFoldedSession})`,
    });

  let current = currentProbabilityWad;
  let prior = 0n;
  let idleSessions = 0n;
  if (state.initialized) {
    prior = state.emaWad;
    idleSessions = dataSession - state.lastFoldedSession - 1n;
    if (idleSessions > MAX_IDLE_SESSIONS) idleSessions = MAX_IDLE_SESSIONS;
    if (idleSessions !== 0n) {
      current <<= idleSessions;
      if (current > WAD) current = WAD;
      // Never below what the recovered p implies: after a long idle stretch the model starts over as new.
      const fresh = (targetMinedPerSession * WAD_SQUARED) / current;
      prior = prior >> idleSessions > fresh ? prior >> idleSessions : fresh;
    }
  }
  // A new model's prior (or an EMA of zero) is what the current p implies, so its first fold is clamped too.
  if (prior === 0n) prior = (targetMinedPerSession * WAD_SQUARED) / current;
  const estimate = clamp((minedCount * WAD_SQUARED) / probabilityWad, prior / 2n, prior * 2n);
  const emaWad = (alphaWad * estimate + (WAD - alphaWad) * prior) / WAD;
  let next = emaWad === 0n ? WAD : (targetMinedPerSession * WAD_SQUARED) / emaWad;
  next = clamp(next, current / 2n, current * 2n);
  next = clamp(next, 1n, WAD);
  return {
    state: { initialized: true, emaWad, lastFoldedSession: dataSession },
    probabilityWad: next,
    idleSessions,
  };
}

function clamp(value: bigint, low: bigint, high: bigint): bigint {
  if (value < low) return low;
  if (value > high) return high;
  return value;
}
