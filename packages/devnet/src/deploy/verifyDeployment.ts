import { aviaryRegistryAbi, aviarySettlementAbi } from "@aviary/protocol";
import { type Address, type Hex, keccak256, type PublicClient } from "viem";
import {
  aviaryRegistryBytecode,
  aviaryRegistryDeployedBytecode,
  aviaryRegistryImmutableRanges,
  aviarySettlementBytecode,
  aviarySettlementDeployedBytecode,
  aviarySettlementImmutableRanges,
  aviaryTokenBytecode,
  aviaryTokenDeployedBytecode,
  aviaryTokenImmutableRanges,
} from "../bytecode.generated.ts";
import { DeploymentVerificationError } from "../errors.ts";
import type { AviaryContracts } from "./deployAviary.ts";
import type { RegistryParameters, SettlementParameters } from "./devnetParameters.ts";

export type VerifyDeploymentParameters = {
  publicClient: PublicClient;
  contracts: AviaryContracts;
  registryParameters: RegistryParameters;
  settlementParameters: SettlementParameters;
  /** Whether the token is the test token (else it is only checked to have code). */
  testToken: boolean;
};

export type ContractCode = { creationCodeHash: Hex; runtimeCodeHash: Hex };

export type VerifyDeploymentReturnType = {
  token: Partial<ContractCode> & { runtimeCodeHash: Hex };
  registry: ContractCode;
  settlement: ContractCode;
};

/**
 * Checks a deployment with standard JSON-RPC only: the code at every address is this build's runtime code
 * (byte for byte outside the immutables, whose offsets solc reports), the registry and settlement hold the
 * parameters they were given, and they point at each other and at the token. Throws one
 * `DeploymentVerificationError` naming every mismatch.
 *
 * @example
 * const hashes = await verifyDeployment({ publicClient, contracts, registryParameters, settlementParameters,
 *   testToken: true });
 */
export async function verifyDeployment(
  parameters: VerifyDeploymentParameters,
): Promise<VerifyDeploymentReturnType> {
  const { publicClient, contracts } = parameters;
  const problems: string[] = [];
  async function check(
    name: string,
    address: Address,
    expected: Hex,
    ranges: readonly (readonly [number, number])[],
  ): Promise<Hex> {
    const actual = (await publicClient.getCode({ address })) ?? "0x";
    if (actual === "0x") problems.push(`${name} ${address}: no code`);
    else if (maskImmutables(actual, ranges) !== maskImmutables(expected, ranges))
      problems.push(`${name} ${address}: the runtime code is not this build's (${keccak256(actual)})`);
    return keccak256(actual);
  }
  const token = parameters.testToken
    ? {
        creationCodeHash: keccak256(aviaryTokenBytecode),
        runtimeCodeHash: await check(
          "token",
          contracts.token,
          aviaryTokenDeployedBytecode,
          aviaryTokenImmutableRanges,
        ),
      }
    : await publicClient.getCode({ address: contracts.token }).then((code) => {
        if (!code || code === "0x")
          problems.push(`token ${contracts.token}: no code (not an ERC-20 on this chain)`);
        return { runtimeCodeHash: keccak256(code ?? "0x") };
      });
  const registry = {
    creationCodeHash: keccak256(aviaryRegistryBytecode),
    runtimeCodeHash: await check(
      "registry",
      contracts.registry,
      aviaryRegistryDeployedBytecode,
      aviaryRegistryImmutableRanges,
    ),
  };
  const settlement = {
    creationCodeHash: keccak256(aviarySettlementBytecode),
    runtimeCodeHash: await check(
      "settlement",
      contracts.settlement,
      aviarySettlementDeployedBytecode,
      aviarySettlementImmutableRanges,
    ),
  };
  if (problems.length > 0) throw new DeploymentVerificationError(problems);

  // The immutables: read back through the contracts' own getters.
  const read = <T>(
    address: Address,
    abi: typeof aviaryRegistryAbi | typeof aviarySettlementAbi,
    name: string,
  ) => publicClient.readContract({ address, abi, functionName: name } as never) as Promise<T>;
  const [registryHeld, settlementHeld, registryToken, registrySettlement] = await Promise.all([
    read<Record<string, unknown>>(contracts.registry, aviaryRegistryAbi, "params"),
    read<Record<string, unknown>>(contracts.settlement, aviarySettlementAbi, "params"),
    read<Address>(contracts.registry, aviaryRegistryAbi, "token"),
    read<Address>(contracts.registry, aviaryRegistryAbi, "settlement"),
  ]);
  const compare = (prefix: string, held: Record<string, unknown>, given: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(given)) {
      const onChain = held[key];
      if (String(onChain).toLowerCase() !== String(value).toLowerCase())
        problems.push(
          `${prefix}.${key}: the contract holds ${String(onChain)}, the deployment gave ${String(value)}`,
        );
    }
  };
  compare("registry", registryHeld, parameters.registryParameters);
  compare("settlement", settlementHeld, parameters.settlementParameters);
  if (registryToken.toLowerCase() !== contracts.token.toLowerCase())
    problems.push(`registry.token(): ${registryToken}, expected ${contracts.token}`);
  if (registrySettlement.toLowerCase() !== contracts.settlement.toLowerCase())
    problems.push(`registry.settlement(): ${registrySettlement}, expected ${contracts.settlement}`);
  if (problems.length > 0) throw new DeploymentVerificationError(problems);
  return { token, registry, settlement };
}

/** `code` with each immutable's bytes zeroed (offsets in bytes into the runtime code). */
function maskImmutables(code: Hex, ranges: readonly (readonly [number, number])[]): string {
  let hex = code.slice(2).toLowerCase();
  for (const [start, length] of ranges) {
    hex = hex.slice(0, start * 2) + "0".repeat(length * 2) + hex.slice((start + length) * 2);
  }
  return hex;
}
