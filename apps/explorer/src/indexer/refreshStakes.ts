import { aviaryRegistryAbi } from "@aviary/protocol";
import type { Address, PublicClient } from "viem";
import type { StakeRefresh } from "./applyRegistryLog.ts";
import type { ExplorerState, Stake } from "./types.ts";

export type RefreshStakesParameters = {
  publicClient: PublicClient;
  registry: Address;
  state: ExplorerState;
  refresh: StakeRefresh;
  /** Read the views as of this block (the last indexed one). */
  blockNumber: bigint;
};

/**
 * Reads the stakes of the accounts whose stake changed (`supplierStake`, `applicationStake`,
 * `gatewayStake` views) and the registry's `totalHeld`, as of `blockNumber`, into the index.
 *
 * @example
 * ```ts
 * await refreshStakes({ publicClient, registry, state, refresh, blockNumber: head });
 * ```
 */
export async function refreshStakes(parameters: RefreshStakesParameters): Promise<void> {
  const { publicClient, registry, state, refresh, blockNumber } = parameters;
  const read = async (
    functionName: "supplierStake" | "applicationStake" | "gatewayStake",
    account: Address,
  ): Promise<Stake> => {
    const [stake, unbonding, releaseSession] = await publicClient.readContract({
      address: registry,
      abi: aviaryRegistryAbi,
      functionName,
      args: [account],
      blockNumber,
    });
    return { stake, unbonding, releaseSession };
  };
  const reads: Promise<void>[] = [];
  for (const address of refresh.suppliers) {
    const supplier = state.suppliers.get(address);
    if (supplier) {
      reads.push(
        read("supplierStake", address).then((stake) => {
          supplier.stake = stake;
        }),
      );
    }
  }
  for (const address of refresh.applications) {
    const application = state.applications.get(address);
    if (application) {
      reads.push(
        read("applicationStake", address).then((stake) => {
          application.stake = stake;
        }),
      );
    }
  }
  for (const address of refresh.gateways) {
    const gateway = state.gateways.get(address);
    if (gateway) {
      reads.push(
        read("gatewayStake", address).then((stake) => {
          gateway.stake = stake;
        }),
      );
    }
  }
  reads.push(
    publicClient
      .readContract({ address: registry, abi: aviaryRegistryAbi, functionName: "totalHeld", blockNumber })
      .then((held) => {
        state.totalHeld = held;
      }),
  );
  await Promise.all(reads);
}
