import { type Address, parseUnits } from "viem";

/** Mirrors `RegistryParams` in contracts/src/types/AviaryTypes.sol. */
export type RegistryParameters = {
  sessionBlocks: bigint;
  graceBlocks: bigint;
  claimBlocks: bigint;
  proofBlocks: bigint;
  minSupplierStake: bigint;
  minApplicationStake: bigint;
  minGatewayStake: bigint;
  modelFee: bigint;
  maxSourceShareBps: number;
  maxDelegates: number;
  supplierUnbondingSessions: bigint;
  applicationUnbondingSessions: bigint;
  gatewayUnbondingSessions: bigint;
  treasury: Address;
};

/** Mirrors `SettlementParams` in contracts/src/types/AviaryTypes.sol. */
export type SettlementParameters = {
  protocolShareBps: number;
  proofThreshold: bigint;
  proofProbabilityWad: bigint;
  missingProofPenalty: bigint;
  equivocationPenalty: bigint;
  reporterShareBps: number;
  initialMiningProbabilityWad: bigint;
  targetMinedPerSession: bigint;
  difficultyAlphaWad: bigint;
};

/** One AVY in wei (18 decimals). */
export const token = (amount: string | number): bigint => parseUnits(String(amount), 18);

/**
 * Registry parameters of the local network (protocol.md devnet defaults): 20-block sessions, 4 grace
 * blocks, 8-block claim and proof windows.
 */
export function devnetRegistryParameters(treasury: Address): RegistryParameters {
  return {
    sessionBlocks: 20n,
    graceBlocks: 4n,
    claimBlocks: 8n,
    proofBlocks: 8n,
    minSupplierStake: token(1000),
    minApplicationStake: token(100),
    minGatewayStake: token(100),
    modelFee: token(1),
    maxSourceShareBps: 2000,
    maxDelegates: 8,
    supplierUnbondingSessions: 3n,
    // Must be >= pendingSessions + 1 (floor((4 + 1 + 8 + 8) / 20) + 2 = 3): no withdrawal can leave a pending claim unpaid.
    applicationUnbondingSessions: 4n,
    gatewayUnbondingSessions: 1n,
    treasury,
  };
}

/**
 * Settlement parameters of the local network: every relay mined at first, a quarter of claims proven, and a
 * claim's collateral at least missingProofPenalty = 10 × proofThreshold (1000 AVY) of its supplier's stake.
 */
export function devnetSettlementParameters(): SettlementParameters {
  const proofThreshold = token(100);
  return {
    protocolShareBps: 500,
    proofThreshold,
    proofProbabilityWad: 250_000_000_000_000_000n,
    missingProofPenalty: proofThreshold * 10n,
    equivocationPenalty: token(100),
    reporterShareBps: 5000,
    initialMiningProbabilityWad: 1_000_000_000_000_000_000n,
    targetMinedPerSession: 1000n,
    difficultyAlphaWad: 100_000_000_000_000_000n,
  };
}
