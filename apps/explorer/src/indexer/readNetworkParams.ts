import { aviaryRegistryAbi, aviarySettlementAbi } from "@aviary/protocol";
import type { Address, PublicClient } from "viem";
import type { NetworkParams } from "./types.ts";

export type ReadNetworkParamsParameters = {
  publicClient: PublicClient;
  registry: Address;
  settlement: Address;
};
export type ReadNetworkParamsReturnType = NetworkParams;

/**
 * Reads the rules the explorer needs: the registry's session windows and the settlement's proof rules.
 *
 * @example
 * ```ts
 * const params = await readNetworkParams({ publicClient, registry, settlement });
 * params.sessionBlocks; // 20n on the devnet
 * ```
 */
export async function readNetworkParams(
  parameters: ReadNetworkParamsParameters,
): Promise<ReadNetworkParamsReturnType> {
  const [registryParams, settlementParams] = await Promise.all([
    parameters.publicClient.readContract({
      address: parameters.registry,
      abi: aviaryRegistryAbi,
      functionName: "params",
    }),
    parameters.publicClient.readContract({
      address: parameters.settlement,
      abi: aviarySettlementAbi,
      functionName: "params",
    }),
  ]);
  return {
    sessionBlocks: registryParams.sessionBlocks,
    graceBlocks: registryParams.graceBlocks,
    claimBlocks: registryParams.claimBlocks,
    proofBlocks: registryParams.proofBlocks,
    minSupplierStake: registryParams.minSupplierStake,
    treasury: registryParams.treasury,
    protocolShareBps: settlementParams.protocolShareBps,
    proofThreshold: settlementParams.proofThreshold,
    proofProbabilityWad: settlementParams.proofProbabilityWad,
    missingProofPenalty: settlementParams.missingProofPenalty,
    initialMiningProbabilityWad: settlementParams.initialMiningProbabilityWad,
  };
}
