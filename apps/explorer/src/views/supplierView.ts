import type { Address } from "viem";
import type { GatewayEvidence, GatewayImageAudit } from "../gateways/schemas.ts";
import type { EquivocationReport } from "../indexer/types.ts";
import { type ClaimSummary, claimSummary, newestFirst } from "./claimSummary.ts";
import type { SessionActivity } from "./overviewView.ts";
import { type SlashView, slashesView } from "./slashesView.ts";
import { sumClaims } from "./sumClaims.ts";
import { type SupplierMeasurement, supplierMeasurements } from "./supplierMeasurements.ts";
import { type SupplierRow, supplierRow } from "./suppliersView.ts";
import type { ExplorerData } from "./types.ts";

export type SupplierView = SupplierRow & {
  /** Each reachable gateway's measurements. */
  measurements: SupplierMeasurement[];
  /** Evidence the gateways publish against this supplier. */
  evidence: (GatewayEvidence & { gateway: string })[];
  /** The gateways' latest image audits of this supplier: its render beside the reference's (newest first). */
  imageAudits: (GatewayImageAudit & { gateway: string })[];
  equivocations: EquivocationReport[];
  /** Every slash of its stake, with its reason, claim, amount and block (chain order). */
  slashes: SlashView[];
  /** Per session with claims: relays, claimed and earned (paid to the supplier). */
  activity: (SessionActivity & { earned: bigint })[];
  claims: ClaimSummary[];
};

/**
 * One supplier: stake (locked as collateral and unlocked), offers with prices, the gateways' measurements,
 * evidence and latest image audits, its slashes with their reasons, earnings per session, its latest claims. Undefined when the address never staked as a supplier.
 *
 * @param claims - how many of the latest claims to list. @default 50
 * @example
 * ```ts
 * supplierView(data, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")?.stake;
 * ```
 */
export function supplierView(data: ExplorerData, address: Address, claims = 50): SupplierView | undefined {
  const { state } = data;
  const supplier = state.suppliers.get(address);
  if (!supplier) return undefined;
  const supplierClaims = [...state.claims.values()]
    .filter((claim) => claim.supplier === address)
    .sort(newestFirst);
  const bySession = new Map<bigint, typeof supplierClaims>();
  for (const claim of supplierClaims) {
    bySession.set(claim.session, [...(bySession.get(claim.session) ?? []), claim]);
  }
  return {
    ...supplierRow(data, supplier),
    measurements: supplierMeasurements(data, address),
    evidence: data.gateways.flatMap((gateway) =>
      (gateway.evidence ?? [])
        .filter((entry) => entry.supplier === address)
        .map((entry) => ({ ...entry, gateway: gateway.url })),
    ),
    imageAudits: data.gateways
      .flatMap((gateway) =>
        (gateway.imageAudits ?? [])
          .filter((audit) => audit.supplier === address)
          .map((audit) => ({ ...audit, gateway: gateway.url })),
      )
      .sort((a, b) => auditTime(b.createdAt) - auditTime(a.createdAt)),
    equivocations: state.equivocations.filter((report) => report.supplier === address),
    slashes: slashesView(state, { supplier: address }),
    activity: [...bySession.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(-24)
      .map(([session, sessionClaims]) => {
        const totals = sumClaims(sessionClaims);
        return {
          session,
          claims: totals.claims,
          relays: totals.relays,
          claimed: totals.claimed,
          paid: totals.paid,
          earned: totals.toSupplier,
        };
      }),
    claims: supplierClaims.slice(0, claims).map((claim) => claimSummary(data, claim)),
  };
}

function auditTime(createdAt: string | number): number {
  return typeof createdAt === "number" ? createdAt : Date.parse(createdAt) || 0;
}
