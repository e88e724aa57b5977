import {
  DeploymentFileError,
  type DevnetState,
  readDeploymentFile,
  readDevnetState,
  resolveAviaryHome,
} from "@aviary/devnet";
import type { DeploymentFile } from "@aviary/protocol";
import { aviaryChain } from "@aviary/protocol";
import { type AviaryWriteClients, getStakeToken } from "@aviary/sdk";
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { z } from "zod";
import type { chainOptionsSchema } from "../commands/options.ts";
import { CliInputError } from "../errors.ts";
import { checkChainAnswers } from "./checkChainAnswers.ts";
import { parseAddress } from "./parseAddress.ts";

/** The chain options every on-chain command takes (see `addChainOptions` in commands/options.ts). */
export type ChainOptions = z.infer<typeof chainOptionsSchema>;

/** Where the contracts are and a client to read them. */
export type ResolvedChain = {
  rpcUrl: string;
  chainId: number;
  chain: Chain;
  contracts: { registry: Address; settlement: Address; token: Address };
  /** First block worth scanning for events (the devnet's deployment block, else 0). */
  fromBlock: bigint;
  publicClient: PublicClient;
  /** The state folder (for defaults such as the models folder). */
  home: string;
  /** devnet.json, when the chain came from it. */
  devnet: DevnetState | undefined;
  /** The deployment file, when the chain came from `--deployment`. */
  deployment: DeploymentFile | undefined;
};

/**
 * Finds the chain a command talks to: `--deployment FILE` (with `--rpc-url`, or $AVIARY_RPC_URL), else
 * `--rpc-url` + `--registry` + `--settlement` when given (all three), else the devnet.json in `--home` (or
 * $AVIARY_HOME, or ./.aviary). Checks that the RPC answers, with the chain id
 * expected, and reads the token from the registry when devnet.json does not name it.
 *
 * @param options - the command's chain options.
 * @example
 * const { publicClient, contracts } = await resolveChain({ home: ".aviary" });
 */
export async function resolveChain(options: ChainOptions): Promise<ResolvedChain> {
  const home = resolveAviaryHome(options.home);
  const explicit = [options.rpcUrl, options.registry, options.settlement];
  let rpcUrl: string;
  let registry: Address;
  let settlement: Address;
  let token: Address | undefined;
  let expectedChainId: number | undefined;
  let fromBlock = 0n;
  let devnet: DevnetState | undefined;
  let deployment: DeploymentFile | undefined;
  if (options.deployment !== undefined) {
    if (options.registry !== undefined || options.settlement !== undefined) {
      throw new CliInputError("--deployment names the contracts: leave out --registry and --settlement.");
    }
    try {
      deployment = readDeploymentFile(options.deployment);
    } catch (error) {
      if (error instanceof DeploymentFileError)
        throw new CliInputError(error.shortMessage, [...error.metaMessages]);
      throw error;
    }
    const url = options.rpcUrl ?? process.env.AVIARY_RPC_URL;
    if (url === undefined) {
      throw new CliInputError("--deployment needs the chain's RPC: pass --rpc-url or set AVIARY_RPC_URL.", [
        "The deployment file does not keep an RPC URL (a provider's URL often carries an API key).",
      ]);
    }
    rpcUrl = parseRpcUrl(url);
    registry = deployment.contracts.registry.address as Address;
    settlement = deployment.contracts.settlement.address as Address;
    token = deployment.contracts.token.address as Address;
    expectedChainId = deployment.chainId;
    fromBlock = BigInt(deployment.deployBlock);
  } else if (explicit.some((value) => value !== undefined)) {
    const missing = (["--rpc-url", "--registry", "--settlement"] as const).filter(
      (_, index) => explicit[index] === undefined,
    );
    if (missing.length > 0) {
      throw new CliInputError(
        `--rpc-url, --registry and --settlement go together: ${missing.join(" and ")} missing.`,
        ["Or leave all three out to use the devnet in --home."],
      );
    }
    rpcUrl = parseRpcUrl(options.rpcUrl as string);
    registry = parseAddress(options.registry as string, "--registry");
    settlement = parseAddress(options.settlement as string, "--settlement");
  } else {
    devnet = readDevnetState(home);
    if (!devnet) {
      throw new CliInputError(`No devnet.json in ${home}.`, [
        "Start the local network (`npm start`), pass --home <dir> where it runs,",
        "or name another chain with --rpc-url, --registry and --settlement.",
      ]);
    }
    rpcUrl = devnet.rpcUrl;
    registry = devnet.contracts.registry as Address;
    settlement = devnet.contracts.settlement as Address;
    token = devnet.contracts.token as Address;
    expectedChainId = devnet.chainId;
    fromBlock = BigInt(devnet.deployBlock);
  }

  const chainId = await checkChainAnswers(
    rpcUrl,
    expectedChainId,
    deployment ? options.deployment : `devnet.json in ${home}`,
    [
      deployment
        ? "Pass the RPC URL of the chain the deployment file is for."
        : "devnet.json is stale: restart the network or pass the right --home.",
    ],
  );
  const chain = aviaryChain({ rpcUrl, chainId });
  // cacheTime 0: statuses are computed against the head, which must not be stale.
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl, { batch: true }), cacheTime: 0 });
  if (token === undefined) {
    try {
      token = await getStakeToken(publicClient as PublicClient, { registry });
    } catch (cause) {
      throw new CliInputError(`--registry ${registry} is not an Aviary registry on ${rpcUrl}.`, [
        `Reading token() failed: ${(cause as Error).message.split("\n")[0]}`,
      ]);
    }
  }
  return {
    rpcUrl,
    chainId,
    chain,
    contracts: { registry, settlement, token },
    fromBlock,
    publicClient: publicClient as PublicClient,
    home,
    devnet,
    deployment,
  };
}

/**
 * The clients a chain action needs to send transactions from `privateKey` on `resolved`'s chain.
 *
 * @example
 * const clients = writeClients(resolved, readPrivateKey("AVIARY_APP_KEY", "Staking"));
 */
export function writeClients(resolved: ResolvedChain, privateKey: Hex): AviaryWriteClients {
  return {
    publicClient: resolved.publicClient,
    walletClient: createWalletClient({
      chain: resolved.chain,
      transport: http(resolved.rpcUrl),
      account: privateKeyToAccount(privateKey),
    }),
  };
}

function parseRpcUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliInputError(
      `--rpc-url must be an http(s) URL such as http://127.0.0.1:8545, got "${value}".`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CliInputError(`--rpc-url must be an http(s) URL, got "${value}".`);
  }
  return value;
}
