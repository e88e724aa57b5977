import { pendingSessions, sessionParamsProblems } from "@aviary/protocol";
import { getAddress, parseUnits, zeroAddress } from "viem";
import { z } from "zod";
import { DeploymentParametersError } from "../errors.ts";
import type { RegistryParameters, SettlementParameters } from "./devnetParameters.ts";

const WAD = 10n ** 18n;
const BPS = 10_000;
const UINT64_MAX = 2n ** 64n - 1n;

const blocks = z.number().int("must be a whole number of blocks").min(0, "must not be negative");
const sessions = z.number().int("must be a whole number of sessions").min(0, "must not be negative");
const bps = z.number().int("must be whole basis points").min(0, "must not be negative");
/** Whole tokens as a decimal string ("1000", "0.5"), scaled by the token's decimals. */
const tokens = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative amount of tokens, e.g. "1000" or "0.5"'));
/** A probability or weight in [0, 1] as a decimal ("0.25"), stored on-chain as WAD (1e18 = 1). */
const fraction = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().regex(/^\d+(\.\d{1,18})?$/, 'must be a decimal such as "0.25" (at most 18 decimals)'));
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an 0x-prefixed 20-byte address");

/**
 * The `--params FILE` of `aviary deploy` (JSON). Every field but `registry.treasury` defaults to the devnet
 * value (protocol.md); token amounts are whole tokens, probabilities decimals in [0, 1].
 */
export const deploymentParametersSchema = z
  .object({
    registry: z
      .object({
        sessionBlocks: blocks.default(20),
        graceBlocks: blocks.default(4),
        claimBlocks: blocks.default(8),
        proofBlocks: blocks.default(8),
        minSupplierStake: tokens.default("1000"),
        minApplicationStake: tokens.default("100"),
        minGatewayStake: tokens.default("100"),
        modelFee: tokens.default("1"),
        maxSourceShareBps: bps.default(2000),
        maxDelegates: z.number().int().min(0).max(255, "must fit a uint8 (≤ 255)").default(8),
        supplierUnbondingSessions: sessions.default(3),
        applicationUnbondingSessions: sessions.default(4),
        gatewayUnbondingSessions: sessions.default(1),
        treasury: address,
      })
      .strict(),
    settlement: z
      .object({
        protocolShareBps: bps.default(500),
        proofThreshold: tokens.default("100"),
        proofProbability: fraction.default("0.25"),
        missingProofPenalty: tokens.default("1000"),
        equivocationPenalty: tokens.default("100"),
        reporterShareBps: bps.default(5000),
        initialMiningProbability: fraction.default("1"),
        targetMinedPerSession: z.number().int().min(0).default(1000),
        difficultyAlpha: fraction.default("0.1"),
      })
      .strict()
      .default({
        protocolShareBps: 500,
        proofThreshold: "100",
        proofProbability: "0.25",
        missingProofPenalty: "1000",
        equivocationPenalty: "100",
        reporterShareBps: 5000,
        initialMiningProbability: "1",
        targetMinedPerSession: 1000,
        difficultyAlpha: "0.1",
      }),
  })
  .strict();

export type DeploymentParametersInput = z.input<typeof deploymentParametersSchema>;

export type ParseDeploymentParametersOptions = {
  /** Where the input came from, for the error message. @default "(object)" */
  source?: string;
  /** The token's decimals, to scale token amounts. @default 18 */
  decimals?: number;
};

export type ParseDeploymentParametersReturnType = {
  registryParameters: RegistryParameters;
  settlementParameters: SettlementParameters;
};

/**
 * Validates a parameters file against its schema and the contracts' own rules (protocol.md §3, §7), and
 * returns the parameters as the constructors take them. Throws one `DeploymentParametersError` naming every
 * problem.
 *
 * @example
 * const { registryParameters, settlementParameters } = parseDeploymentParameters(
 *   { registry: { sessionBlocks: 300, treasury: "0x…" } },
 *   { source: "params.json" },
 * );
 */
export function parseDeploymentParameters(
  input: unknown,
  { source = "(object)", decimals = 18 }: ParseDeploymentParametersOptions = {},
): ParseDeploymentParametersReturnType {
  const parsed = deploymentParametersSchema.safeParse(input);
  if (!parsed.success) {
    throw new DeploymentParametersError(
      source,
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
    );
  }
  const { registry, settlement } = parsed.data;
  const problems: string[] = [];
  const amount = (value: string, name: string): bigint => {
    const fractionDigits = value.split(".")[1]?.length ?? 0;
    if (fractionDigits > decimals) {
      problems.push(`${name}: has ${fractionDigits} decimals, the token only ${decimals}`);
      return 0n;
    }
    return parseUnits(value, decimals);
  };
  const wad = (value: string, name: string): bigint => {
    const result = parseUnits(value, 18);
    if (result > WAD) problems.push(`${name}: must be at most 1 (got ${value})`);
    return result;
  };
  const registryParameters: RegistryParameters = {
    sessionBlocks: BigInt(registry.sessionBlocks),
    graceBlocks: BigInt(registry.graceBlocks),
    claimBlocks: BigInt(registry.claimBlocks),
    proofBlocks: BigInt(registry.proofBlocks),
    minSupplierStake: amount(registry.minSupplierStake, "registry.minSupplierStake"),
    minApplicationStake: amount(registry.minApplicationStake, "registry.minApplicationStake"),
    minGatewayStake: amount(registry.minGatewayStake, "registry.minGatewayStake"),
    modelFee: amount(registry.modelFee, "registry.modelFee"),
    maxSourceShareBps: registry.maxSourceShareBps,
    maxDelegates: registry.maxDelegates,
    supplierUnbondingSessions: BigInt(registry.supplierUnbondingSessions),
    applicationUnbondingSessions: BigInt(registry.applicationUnbondingSessions),
    gatewayUnbondingSessions: BigInt(registry.gatewayUnbondingSessions),
    treasury: getAddress(registry.treasury),
  };
  const settlementParameters: SettlementParameters = {
    protocolShareBps: settlement.protocolShareBps,
    proofThreshold: amount(settlement.proofThreshold, "settlement.proofThreshold"),
    proofProbabilityWad: wad(settlement.proofProbability, "settlement.proofProbability"),
    missingProofPenalty: amount(settlement.missingProofPenalty, "settlement.missingProofPenalty"),
    equivocationPenalty: amount(settlement.equivocationPenalty, "settlement.equivocationPenalty"),
    reporterShareBps: settlement.reporterShareBps,
    initialMiningProbabilityWad: wad(
      settlement.initialMiningProbability,
      "settlement.initialMiningProbability",
    ),
    targetMinedPerSession: BigInt(settlement.targetMinedPerSession),
    difficultyAlphaWad: wad(settlement.difficultyAlpha, "settlement.difficultyAlpha"),
  };
  problems.push(...checkDeploymentParameters(registryParameters, settlementParameters));
  if (problems.length > 0) throw new DeploymentParametersError(source, problems);
  return { registryParameters, settlementParameters };
}

/**
 * The contracts' constructor rules (AviaryRegistry, AviarySettlement; protocol.md §3, §7) as one list of
 * problems, empty when the parameters can be deployed. Each problem names its field.
 *
 * @example
 * checkDeploymentParameters(devnetRegistryParameters(treasury), devnetSettlementParameters()); // []
 */
export function checkDeploymentParameters(
  registry: RegistryParameters,
  settlement: SettlementParameters,
): string[] {
  const problems: string[] = [];
  const { sessionBlocks: L, graceBlocks: g, claimBlocks: c, proofBlocks: pf } = registry;
  for (const [name, value] of Object.entries({
    sessionBlocks: L,
    graceBlocks: g,
    claimBlocks: c,
    proofBlocks: pf,
  }))
    if (value > UINT64_MAX) problems.push(`registry.${name}: must fit a uint64`);
  const windowProblems = sessionParamsProblems({ L, g, c, pf });
  for (const { field, message } of windowProblems) problems.push(`registry.${field}: ${message}`);
  if (windowProblems.length === 0) {
    const pending = pendingSessions({ sessionBlocks: L, graceBlocks: g, claimBlocks: c, proofBlocks: pf });
    if (registry.applicationUnbondingSessions < pending + 1n) {
      problems.push(
        `registry.applicationUnbondingSessions: must be at least pendingSessions + 1 = ${pending + 1n} (pendingSessions = floor((g + 1 + c + pf) / L) + 2 = ${pending}), or a withdrawal could leave a pending claim unpaid`,
      );
    }
  }
  if (registry.maxSourceShareBps > BPS)
    problems.push("registry.maxSourceShareBps: must be at most 10000 bps");
  if (registry.maxDelegates === 0) problems.push("registry.maxDelegates: must be at least 1");
  if (registry.treasury.toLowerCase() === zeroAddress)
    problems.push("registry.treasury: must not be the zero address");
  if (settlement.protocolShareBps > BPS)
    problems.push("settlement.protocolShareBps: must be at most 10000 bps");
  if (settlement.protocolShareBps + registry.maxSourceShareBps > BPS) {
    problems.push(
      `settlement.protocolShareBps: protocolShareBps + registry.maxSourceShareBps (${settlement.protocolShareBps + registry.maxSourceShareBps}) must be at most 10000 bps`,
    );
  }
  if (settlement.reporterShareBps > BPS)
    problems.push("settlement.reporterShareBps: must be at most 10000 bps");
  if (settlement.proofProbabilityWad > WAD) problems.push("settlement.proofProbability: must be at most 1");
  if (settlement.initialMiningProbabilityWad === 0n)
    problems.push("settlement.initialMiningProbability: must be above 0");
  if (settlement.difficultyAlphaWad === 0n) problems.push("settlement.difficultyAlpha: must be above 0");
  if (settlement.targetMinedPerSession === 0n)
    problems.push("settlement.targetMinedPerSession: must be at least 1");
  if (settlement.targetMinedPerSession > UINT64_MAX)
    problems.push("settlement.targetMinedPerSession: must fit a uint64");
  const q = settlement.proofProbabilityWad;
  if (settlement.proofThreshold !== 0n && q <= WAD) {
    // Fabricating a claim below the threshold must lose in expectation: q·penalty > (1 − q)·threshold (§7).
    if (q * settlement.missingProofPenalty <= (WAD - q) * settlement.proofThreshold) {
      problems.push(
        "settlement.missingProofPenalty: proofProbability × missingProofPenalty must exceed (1 − proofProbability) × proofThreshold, or fabricated claims below the threshold pay in expectation",
      );
    }
  }
  return problems;
}
