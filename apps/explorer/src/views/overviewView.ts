import type { Address } from "viem";
import { type ChainStatusView, chainStatusView } from "./chainStatusView.ts";
import { type ClaimTotals, sumClaims } from "./sumClaims.ts";
import type { ExplorerData } from "./types.ts";

/** Per session with claims: what was claimed and paid. */
export type SessionActivity = {
  session: bigint;
  claims: number;
  relays: bigint;
  claimed: bigint;
  paid: bigint;
};

export type OverviewView = {
  chain: ChainStatusView;
  totals: ClaimTotals & {
    /** Staked by suppliers, applications and gateways (not unbonding). */
    totalStake: bigint;
    supplierStake: bigint;
    applicationStake: bigint;
    gatewayStake: bigint;
    /** Every stake and unbonding balance the registry holds (`totalHeld`). */
    totalHeld: bigint;
    models: number;
    suppliers: number;
    applications: number;
    gateways: number;
    /** Sessions with at least one claim. */
    sessions: number;
    equivocations: number;
    /** Slashed from suppliers for equivocation (`slashed` counts missing proofs). */
    slashedForEquivocation: bigint;
    /** Stake locked as collateral by unsettled claims. */
    lockedCollateral: bigint;
  };
  /** The last sessions with claims, oldest first (for the charts). */
  activity: SessionActivity[];
  stakeBySupplier: { address: Address; stake: bigint }[];
  gateways: {
    url: string;
    reachable: boolean;
    error: string | null;
    address: Address | null;
    suppliers: number;
    updatedAt: string | null;
  }[];
};

/**
 * The network at a glance: stakes, participants, sessions, relays, payments, activity per session.
 *
 * @param sessions - how many of the last sessions with claims to chart. @default 24
 * @example
 * ```ts
 * overviewView(data).totals.paid;
 * ```
 */
export function overviewView(data: ExplorerData, sessions = 24): OverviewView {
  const { state } = data;
  const sum = (values: Iterable<{ stake: { stake: bigint } }>) => {
    let total = 0n;
    for (const value of values) total += value.stake.stake;
    return total;
  };
  const supplierStake = sum(state.suppliers.values());
  const applicationStake = sum(state.applications.values());
  const gatewayStake = sum(state.gateways.values());
  const activity: SessionActivity[] = [...state.sessions.values()]
    .filter((session) => session.claimKeys.length > 0)
    .sort((a, b) => (a.session < b.session ? -1 : 1))
    .slice(-sessions)
    .map((session) => {
      const totals = sumClaims(
        session.claimKeys.flatMap((key) => {
          const claim = state.claims.get(key);
          return claim ? [claim] : [];
        }),
      );
      return {
        session: session.session,
        claims: totals.claims,
        relays: totals.relays,
        claimed: totals.claimed,
        paid: totals.paid,
      };
    });
  return {
    chain: chainStatusView(state),
    totals: {
      ...sumClaims(state.claims.values()),
      totalStake: supplierStake + applicationStake + gatewayStake,
      supplierStake,
      applicationStake,
      gatewayStake,
      totalHeld: state.totalHeld,
      models: state.models.size,
      suppliers: state.suppliers.size,
      applications: state.applications.size,
      gateways: state.gateways.size,
      sessions: [...state.sessions.values()].filter((session) => session.claimKeys.length > 0).length,
      equivocations: state.equivocations.length,
      slashedForEquivocation: state.equivocations.reduce((total, report) => total + report.slashed, 0n),
      lockedCollateral: [...state.suppliers.values()].reduce(
        (total, supplier) => total + supplier.lockedCollateral,
        0n,
      ),
    },
    activity,
    stakeBySupplier: [...state.suppliers.values()]
      .map((supplier) => ({ address: supplier.address, stake: supplier.stake.stake }))
      .sort((a, b) => (a.stake === b.stake ? 0 : a.stake > b.stake ? -1 : 1)),
    gateways: data.gateways.map((gateway) => ({
      url: gateway.url,
      reachable: gateway.reachable,
      error: gateway.error ?? null,
      address: gateway.address ?? null,
      suppliers: gateway.suppliers.length,
      updatedAt: gateway.updatedAt ?? null,
    })),
  };
}
