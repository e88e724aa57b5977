import type { GatewayStatus } from "../gateways/GatewayPoller.ts";
import type { ExplorerState } from "../indexer/types.ts";

/** What every view reads: the chain index and the gateways' last answers. */
export type ExplorerData = { state: ExplorerState; gateways: readonly GatewayStatus[] };

/**
 * Where a claim stands, in the order it moves: `claimed` → (`proof-required` →) `proven` → `settled`, or
 * `proof-missing` when settlement found a required proof missing (and slashed the supplier).
 */
export type ClaimStatus = "claimed" | "proof-required" | "proven" | "settled" | "proof-missing";
