import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type DeploymentFile, parseDeploymentFile } from "@aviary/protocol";
import { aviaryCompilerVersion } from "../bytecode.generated.ts";
import { DeploymentFileError } from "../errors.ts";
import type { DeployAviaryReturnType } from "./deployAviary.ts";
import type { VerifyDeploymentReturnType } from "./verifyDeployment.ts";

/**
 * The deployment file for a finished, verified deployment (see `deploymentFileSchema` in @aviary/protocol).
 *
 * @example
 * const file = deploymentFile(chainId, deployment, await verifyDeployment({ … }));
 */
export function deploymentFile(
  chainId: number,
  deployment: DeployAviaryReturnType,
  code: VerifyDeploymentReturnType,
): DeploymentFile {
  const decimal = (record: Record<string, bigint | number | string>) =>
    Object.fromEntries(
      Object.entries(record).map(([key, value]) => [
        key,
        typeof value === "bigint" ? value.toString() : value,
      ]),
    );
  return {
    version: 1,
    chainId,
    contracts: {
      token: { address: deployment.contracts.token, ...code.token },
      registry: { address: deployment.contracts.registry, ...code.registry },
      settlement: { address: deployment.contracts.settlement, ...code.settlement },
    },
    deployBlock: deployment.deployBlock.toString(),
    deployer: deployment.deployer,
    testToken: deployment.testToken,
    parameters: {
      registry: decimal(deployment.registryParameters),
      settlement: decimal(deployment.settlementParameters),
    },
    compilerVersion: aviaryCompilerVersion,
    createdAt: new Date().toISOString(),
  };
}

/**
 * Writes `file` to `path` atomically (a temporary file renamed over it).
 *
 * @example
 * writeDeploymentFile("deployment.json", file);
 */
export function writeDeploymentFile(path: string, file: DeploymentFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(temporary, path);
}

/**
 * Reads and validates a deployment file; throws `DeploymentFileError` naming every problem.
 *
 * @example
 * const { chainId, contracts } = readDeploymentFile("deployment.json");
 */
export function readDeploymentFile(path: string): DeploymentFile {
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new DeploymentFileError(path, [(cause as Error).message.split("\n")[0] ?? "unreadable"], cause);
  }
  const result = parseDeploymentFile(input);
  if (!result.success) throw new DeploymentFileError(path, result.problems);
  return result.deployment;
}
