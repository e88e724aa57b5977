import { aviaryChain, aviaryRegistryAbi, aviarySettlementAbi, aviaryTokenAbi } from "@aviary/protocol";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hash,
  type Hex,
  http,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  aviaryRegistryBytecode,
  aviarySettlementBytecode,
  aviaryTokenBytecode,
} from "../bytecode.generated.ts";
import { DeploymentError } from "../errors.ts";
import {
  devnetRegistryParameters,
  devnetSettlementParameters,
  type RegistryParameters,
  type SettlementParameters,
  token,
} from "./devnetParameters.ts";

export type DeployAviaryParameters = {
  rpcUrl: string;
  chainId: number;
  /** Deploys, owns the token (mints) and sets the registry's settlement. */
  deployerPrivateKey: Hex;
  /** Receives the model fees, protocol shares and slashes. */
  treasury: Address;
  registryParameters?: RegistryParameters;
  settlementParameters?: SettlementParameters;
  /** Accounts that receive `fundAmount` tokens each. */
  fund?: Address[];
  /** @default 1,000,000 AVY */
  fundAmount?: bigint;
  /** Called after each step, for progress output. */
  onProgress?: (step: string) => void;
};

export type AviaryContracts = { token: Address; registry: Address; settlement: Address };

export type DeployAviaryReturnType = {
  contracts: AviaryContracts;
  deployBlock: bigint;
  registryParameters: RegistryParameters;
  settlementParameters: SettlementParameters;
};

/** A viem chain for an Aviary devnet at `rpcUrl`. */
export function devnetChain(rpcUrl: string, chainId: number) {
  return aviaryChain({ rpcUrl, chainId, name: "Aviary devnet" });
}

/**
 * Deploys the token, registry and settlement, links them, and funds accounts with tokens.
 *
 * @example
 * const [deployer, treasury] = devAccounts(2);
 * const { contracts } = await deployAviary({
 *   rpcUrl: anvil.rpcUrl, chainId: 31337, deployerPrivateKey: deployer.privateKey, treasury: treasury.address,
 * });
 */
export async function deployAviary(parameters: DeployAviaryParameters): Promise<DeployAviaryReturnType> {
  const chain = devnetChain(parameters.rpcUrl, parameters.chainId);
  const account = privateKeyToAccount(parameters.deployerPrivateKey);
  const transport = http(parameters.rpcUrl);
  const wallet = createWalletClient({ account, chain, transport });
  const publicClient = createPublicClient({ chain, transport });
  const registryParameters = parameters.registryParameters ?? devnetRegistryParameters(parameters.treasury);
  const settlementParameters = parameters.settlementParameters ?? devnetSettlementParameters();
  const progress = parameters.onProgress ?? (() => {});

  async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      progress(name);
      return result;
    } catch (cause) {
      throw new DeploymentError({ step: name, cause });
    }
  }
  async function deployed(hash: Hash): Promise<Address> {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !receipt.contractAddress)
      throw new Error(`transaction ${hash} reverted`);
    return getAddress(receipt.contractAddress);
  }
  async function confirmed(hash: Hash): Promise<bigint> {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt.blockNumber;
  }

  const tokenAddress = await step("token", async () =>
    deployed(
      await wallet.deployContract({
        abi: aviaryTokenAbi,
        bytecode: aviaryTokenBytecode,
        args: [account.address],
      }),
    ),
  );
  const registry = await step("registry", async () =>
    deployed(
      await wallet.deployContract({
        abi: aviaryRegistryAbi,
        bytecode: aviaryRegistryBytecode,
        args: [tokenAddress, registryParameters],
      }),
    ),
  );
  const settlement = await step("settlement", async () =>
    deployed(
      await wallet.deployContract({
        abi: aviarySettlementAbi,
        bytecode: aviarySettlementBytecode,
        args: [registry, settlementParameters],
      }),
    ),
  );
  const deployBlock = await step("link", async () =>
    confirmed(
      await wallet.writeContract({
        address: registry,
        abi: aviaryRegistryAbi,
        functionName: "setSettlement",
        args: [settlement],
      }),
    ),
  );
  const fundAmount = parameters.fundAmount ?? token(1_000_000);
  const recipients = parameters.fund ?? [];
  if (recipients.length > 0) {
    await step("fund", async () => {
      // Sent back to back, confirmed together: one round trip per account would dominate start-up.
      const hashes: Hash[] = [];
      for (const recipient of recipients) {
        hashes.push(
          await wallet.writeContract({
            address: tokenAddress,
            abi: aviaryTokenAbi,
            functionName: "mint",
            args: [recipient, fundAmount],
          }),
        );
      }
      await Promise.all(hashes.map(confirmed));
    });
  }
  return {
    contracts: { token: tokenAddress, registry, settlement },
    deployBlock,
    registryParameters,
    settlementParameters,
  };
}
