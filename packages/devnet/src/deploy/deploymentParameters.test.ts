import { describe, expect, it } from "vitest";
import { DeploymentParametersError } from "../errors.ts";
import { checkDeploymentParameters, parseDeploymentParameters } from "./deploymentParameters.ts";
import { devnetRegistryParameters, devnetSettlementParameters, token } from "./devnetParameters.ts";

const treasury = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

function problemsOf(input: unknown): string[] {
  try {
    parseDeploymentParameters(input);
    return [];
  } catch (error) {
    if (error instanceof DeploymentParametersError) return [...error.problems];
    throw error;
  }
}

describe("parseDeploymentParameters", () => {
  it("test_parse_defaultsAreTheDevnetParameters", () => {
    const parsed = parseDeploymentParameters({ registry: { treasury } });
    expect(parsed.registryParameters).toEqual(devnetRegistryParameters(treasury));
    expect(parsed.settlementParameters).toEqual(devnetSettlementParameters());
    expect(checkDeploymentParameters(parsed.registryParameters, parsed.settlementParameters)).toEqual([]);
  });

  it("test_parse_scalesTokenAmountsByDecimals", () => {
    const { registryParameters } = parseDeploymentParameters(
      { registry: { treasury, minSupplierStake: "2.5" } },
      { decimals: 6 },
    );
    expect(registryParameters.minSupplierStake).toBe(2_500_000n);
    expect(problemsOf({ registry: { treasury, modelFee: "0.1234567" } })).toEqual([]);
    expect(() =>
      parseDeploymentParameters({ registry: { treasury, modelFee: "0.1234567" } }, { decimals: 6 }),
    ).toThrow(/has 7 decimals, the token only 6/);
  });

  it("test_windows_boundariesAreInclusiveAsInTheContracts", () => {
    // g + 1 + c = L is allowed, c + pf = 255 is allowed.
    expect(
      problemsOf({
        registry: {
          treasury,
          sessionBlocks: 255,
          graceBlocks: 54,
          claimBlocks: 200,
          proofBlocks: 55,
          applicationUnbondingSessions: 4,
        },
      }),
    ).toEqual([]);
    const over = problemsOf({
      registry: { treasury, sessionBlocks: 255, graceBlocks: 55, claimBlocks: 200, proofBlocks: 56 },
    });
    expect(over.some((problem) => problem.startsWith("registry.graceBlocks:"))).toBe(true);
    expect(over.some((problem) => problem.startsWith("registry.proofBlocks:"))).toBe(true);
  });

  it("test_penalty_mustMakeFabricationLose", () => {
    // q = 0.25: q·penalty > 0.75·threshold needs penalty > 3·threshold.
    const at = (penalty: string) =>
      problemsOf({
        registry: { treasury },
        settlement: { proofProbability: "0.25", proofThreshold: "100", missingProofPenalty: penalty },
      });
    expect(at("300")).toHaveLength(1);
    expect(at("300.000000000000000001")).toEqual([]);
    // No threshold: every claim needs a proof, no inequality.
    expect(
      checkDeploymentParameters(devnetRegistryParameters(treasury), {
        ...devnetSettlementParameters(),
        proofThreshold: 0n,
        missingProofPenalty: token(0),
      }),
    ).toEqual([]);
  });
});
