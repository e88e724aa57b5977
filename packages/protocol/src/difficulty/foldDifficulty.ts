import { WAD } from "../constants.ts";
import { ProbabilityInvalidError, ValueOutOfRangeError } from "../errors/values.ts";

/** A model's difficulty state: the EMA of estimated relays per session, in wad (1e18 = one relay). */
export type DifficultyState = { initialized: boolean; emaWad: bigint };

/** The state before any session was folded. */
export const initialDifficultyState: Readonly<DifficultyState> = Object.freeze({
  initialized: false,
  emaWad: 0n,
});

export type FoldDifficultyParameters = {
  state: DifficultyState;
  /** The session's mined relays (leaf counts of all its claims on this model, summed). */
  minedCount: bigint;
  /** The mining probability that session used (wad, > 0). */
  probabilityWad: bigint;
  /** Mined relays wanted per session, network-wide (`targetMinedPerSession`). */
  targetMinedPerSession: bigint;
  /** EMA weight of the new estimate (wad; devnet 0.1e18). */
  alphaWad: bigint;
};
export type FoldDifficultyReturnType = {
  state: DifficultyState;
  /** The new mining probability (wad, in [1, 1e18]). */
  probabilityWad: bigint;
};
export type FoldDifficultyErrorType = ProbabilityInvalidError | ValueOutOfRangeError;

/**
 * Folds one session's mined count into a model's difficulty, exactly as the settlement does (all floors):
 * - `estimateWad = minedCount · 1e36 / probabilityWad` (relays served, in wad);
 * - `emaWad = initialized ? (alpha · estimate + (1e18 − alpha) · ema) / 1e18 : estimate`;
 * - `p' = ema == 0 ? 1e18 : clamp(target · 1e36 / ema, 1, 1e18)`.
 * The estimate is unbiased whatever `p` was, so the loop settles at `target` mined per session (not at
 * √(target · traffic)); see `difficulty.simulation.test.ts`.
 *
 * @example
 * ```ts
 * let state = initialDifficultyState;
 * const next = foldDifficulty({ state, minedCount: 50_000n, probabilityWad: 10n ** 18n, targetMinedPerSession: 1_000n, alphaWad: 10n ** 17n });
 * next.probabilityWad; // 2e16 (0.02): 1000 of 50000
 * state = next.state;
 * ```
 */
export function foldDifficulty(parameters: FoldDifficultyParameters): FoldDifficultyReturnType {
  const { state, minedCount, probabilityWad, targetMinedPerSession, alphaWad } = parameters;
  if (typeof probabilityWad !== "bigint" || probabilityWad <= 0n)
    throw new ProbabilityInvalidError({
      probabilityWad: BigInt(probabilityWad),
      reason: "must be positive to divide by it",
    });
  if (typeof alphaWad !== "bigint" || alphaWad < 0n || alphaWad > WAD)
    throw new ValueOutOfRangeError({ name: "alphaWad", value: alphaWad, type: "wad in [0, 1e18]" });
  if (typeof minedCount !== "bigint" || minedCount < 0n)
    throw new ValueOutOfRangeError({ name: "minedCount", value: minedCount, type: "uint64" });
  if (typeof targetMinedPerSession !== "bigint" || targetMinedPerSession < 0n)
    throw new ValueOutOfRangeError({
      name: "targetMinedPerSession",
      value: targetMinedPerSession,
      type: "uint64",
    });
  const estimateWad = (minedCount * WAD * WAD) / probabilityWad;
  const emaWad = state.initialized
    ? (alphaWad * estimateWad + (WAD - alphaWad) * state.emaWad) / WAD
    : estimateWad;
  let next = WAD;
  if (emaWad !== 0n) {
    next = (targetMinedPerSession * WAD * WAD) / emaWad;
    if (next < 1n) next = 1n;
    if (next > WAD) next = WAD;
  }
  return { state: { initialized: true, emaWad }, probabilityWad: next };
}
