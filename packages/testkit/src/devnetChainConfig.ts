import type { DevnetState } from "@aviary/devnet";

/**
 * The `chain` section of a supplier's or gateway's configuration for a devnet: its RPC URL, chain id and the
 * two contracts the nodes talk to.
 *
 * @example
 * ```ts
 * const config = parseSupplierConfig({ chain: devnetChainConfig(devnet), supplier: owner.address, … });
 * ```
 */
export function devnetChainConfig(devnet: Pick<DevnetState, "rpcUrl" | "chainId" | "contracts">): {
  rpcUrl: string;
  chainId: number;
  registry: DevnetState["contracts"]["registry"];
  settlement: DevnetState["contracts"]["settlement"];
} {
  return {
    rpcUrl: devnet.rpcUrl,
    chainId: devnet.chainId,
    registry: devnet.contracts.registry,
    settlement: devnet.contracts.settlement,
  };
}
