import { type SessionPhase, type SessionWindows, sessionWindows } from "@aviary/protocol";
import type { Hex } from "viem";
import { phaseOf } from "./chainStatusView.ts";
import { type ClaimSummary, claimSummary } from "./claimSummary.ts";
import { type SlashView, slashesView } from "./slashesView.ts";
import type { ExplorerData } from "./types.ts";

export type ClaimView = ClaimSummary & {
  sessionPhase: SessionPhase | null;
  windows: SessionWindows | null;
  sourceShareBps: number | null;
  source: Hex | null;
  /** Slashes of this claim: its missing proof, or equivocations on relays its proof showed. */
  slashes: SlashView[];
};

/**
 * One claim with its session's windows: what was claimed (and the collateral it locked), proven, paid or
 * slashed. Undefined when unknown.
 *
 * @example
 * ```ts
 * claimView(data, claimKey)?.settlement?.paid;
 * ```
 */
export function claimView(data: ExplorerData, key: Hex): ClaimView | undefined {
  const { state } = data;
  const claim = state.claims.get(key);
  if (!claim) return undefined;
  const model = state.models.get(claim.model);
  return {
    ...claimSummary(data, claim),
    sessionPhase: phaseOf(state, claim.session),
    windows: state.params ? sessionWindows(claim.session, state.params) : null,
    sourceShareBps: model?.sourceShareBps ?? null,
    source: model?.source ?? null,
    slashes: slashesView(state, { claimKey: key }),
  };
}
