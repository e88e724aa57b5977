import { aviaryChain, aviaryRegistryAbi, aviarySettlementAbi, aviaryTokenAbi } from "@aviary/protocol";
import {
  type Account,
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
import { DeploymentError, DeploymentParametersError } from "../errors.ts";
import { checkDeploymentParameters } from "./deploymentParameters.ts";
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
  /** Deploys, owns the test token (mints) and sets the registry's settlement. Or pass `account`. */
  deployerPrivateKey?: Hex;
  /** The deployer as a viem account (e.g. decrypted from a keystore), instead of `deployerPrivateKey`. */
  account?: Account;
  /** An existing ERC-20 to stake and pay in; when absent the test token is deployed (and `fund` minted). */
  token?: Address;
  /** Blocks to wait on top of each transaction's block. @default 1 */
  confirmations?: number;
  /** Milliseconds between receipt polls. @default 1000 (viem's 4 s is slow on a 2 s chain) */
  pollingInterval?: number;
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
  deployer: Address;
  /** True when the test token was deployed (false with `token`). */
  testToken: boolean;
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
  const account =
    parameters.account ??
    (parameters.deployerPrivateKey ? privateKeyToAccount(parameters.deployerPrivateKey) : undefined);
  if (!account)
    throw new DeploymentError({ step: "account", cause: new Error("no deployer key or account") });
  const transport = http(parameters.rpcUrl);
  const pollingInterval = parameters.pollingInterval ?? 1_000;
  const wallet = createWalletClient({ account, chain, transport, pollingInterval });
  const publicClient = createPublicClient({ chain, transport, pollingInterval });
  const confirmations = parameters.confirmations ?? 1;
  const registryParameters = parameters.registryParameters ?? devnetRegistryParameters(parameters.treasury);
  const settlementParameters = parameters.settlementParameters ?? devnetSettlementParameters();
  const progress = parameters.onProgress ?? (() => {});
  // The constructors' rules, checked here first: one error naming every problem instead of a bare revert.
  const problems = checkDeploymentParameters(registryParameters, settlementParameters);
  if (problems.length > 0) throw new DeploymentParametersError("(deployAviary)", problems);

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
    const receipt = await publicClient.waitForTransactionReceipt({ hash, confirmations });
    if (receipt.status !== "success" || !receipt.contractAddress)
      throw new Error(`transaction ${hash} reverted`);
    return getAddress(receipt.contractAddress);
  }
  async function confirmed(hash: Hash): Promise<bigint> {
    const receipt = await publicClient.waitForTransactionReceipt({ hash, confirmations });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt.blockNumber;
  }

  const testToken = parameters.token === undefined;
  const tokenAddress = parameters.token
    ? getAddress(parameters.token)
    : await step("token", async () =>
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
  const recipients = testToken ? (parameters.fund ?? []) : [];
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
    deployer: account.address,
    testToken,
    registryParameters,
    settlementParameters,
  };
}
