import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  DeploymentParametersError,
  deployAviary,
  deploymentFile,
  devnetRegistryParameters,
  devnetSettlementParameters,
  parseDeploymentParameters,
  verifyDeployment,
  writeDeploymentFile,
} from "@aviary/devnet";
import { aviaryChain } from "@aviary/protocol";
import { getTokenDecimals } from "@aviary/sdk";
import { type Address, createPublicClient, http, type PublicClient } from "viem";
import { ChainUnreachableError, CliInputError } from "../../errors.ts";
import { parseAddress } from "../../io/parseAddress.ts";
import type { DeployOptions } from "./deploy.command.ts";
import { readDeployerAccount } from "./readDeployerAccount.ts";

/**
 * `aviary deploy`: validates the parameters, deploys the registry and settlement (and the test token) to any
 * EVM JSON-RPC endpoint, checks the code at every address, and writes the deployment file. Progress goes to
 * stderr, the deployment file's JSON to stdout.
 *
 * @example
 * // AVIARY_DEPLOYER_KEY=0x… aviary deploy --rpc-url https://sepolia.base.org --params params.json --test-token
 * await deploy({ rpcUrl, params: "params.json", testToken: true });
 */
export async function deploy(options: DeployOptions): Promise<void> {
  if (options.token !== undefined && options.testToken) {
    throw new CliInputError("--token and --test-token exclude each other.");
  }
  if (options.token === undefined && !options.testToken) {
    throw new CliInputError("Say which token to stake and pay in: --token ADDRESS or --test-token.", [
      "--token names an existing ERC-20; --test-token deploys a test token the deployer can mint.",
    ]);
  }
  const token = options.token === undefined ? undefined : parseAddress(options.token, "--token");
  const confirmations = options.confirmations ?? 1;
  const input = options.params === undefined ? undefined : readParametersFile(options.params);
  // Validated before any key or network is touched: every problem at once.
  if (input !== undefined) parameters(input, options.params as string, 18);
  const account = readDeployerAccount(options);

  const probe = createPublicClient({ transport: http(options.rpcUrl, { retryCount: 1, timeout: 10_000 }) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (cause) {
    throw new ChainUnreachableError({ rpcUrl: options.rpcUrl, cause });
  }
  const chain = aviaryChain({ rpcUrl: options.rpcUrl, chainId });
  const publicClient = createPublicClient({ chain, transport: http(options.rpcUrl) }) as PublicClient;
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  progress(`chain ${chainId} at ${options.rpcUrl}; deployer ${account.address}`);

  const decimals = token === undefined ? 18 : await tokenDecimals(publicClient, token);
  const { registryParameters, settlementParameters } =
    input === undefined
      ? {
          registryParameters: devnetRegistryParameters(account.address),
          settlementParameters: devnetSettlementParameters(),
        }
      : parameters(input, options.params as string, decimals);
  if (input === undefined) progress("no --params: devnet parameters, treasury = deployer");

  const started = Date.now();
  const deployment = await deployAviary({
    rpcUrl: options.rpcUrl,
    chainId,
    account,
    token,
    confirmations,
    treasury: registryParameters.treasury,
    registryParameters,
    settlementParameters,
    onProgress: (step) => progress(`  ${step} ✓ (${((Date.now() - started) / 1000).toFixed(1)} s)`),
  });
  progress("checking the code at every address");
  const code = await verifyDeployment({
    publicClient,
    contracts: deployment.contracts,
    registryParameters: deployment.registryParameters,
    settlementParameters: deployment.settlementParameters,
    testToken: deployment.testToken,
  });
  const file = deploymentFile(chainId, deployment, code);
  const out = resolve(options.out ?? "deployment.json");
  writeDeploymentFile(out, file);
  progress(`wrote ${out} (deployment block ${deployment.deployBlock})`);
  process.stdout.write(`${JSON.stringify(file, null, 2)}\n`);
}

function readParametersFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new CliInputError(`Cannot read --params ${path}: ${(cause as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new CliInputError(`--params ${path} is not JSON: ${(cause as Error).message}`);
  }
}

function parameters(input: unknown, source: string, decimals: number) {
  try {
    return parseDeploymentParameters(input, { source, decimals });
  } catch (error) {
    if (error instanceof DeploymentParametersError)
      throw new CliInputError(error.shortMessage, [...error.problems]);
    throw error;
  }
}

async function tokenDecimals(publicClient: PublicClient, token: Address): Promise<number> {
  try {
    return await getTokenDecimals(publicClient, { token });
  } catch (cause) {
    throw new CliInputError(`--token ${token} is not an ERC-20 on this chain.`, [
      `Reading decimals() failed: ${(cause as Error).message.split("\n")[0]}`,
    ]);
  }
}
