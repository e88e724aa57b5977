import { type GatewayConfig, loadGatewayConfig } from "@aviary/gateway";
import { aviaryChain } from "@aviary/protocol";
import type { AviaryWriteClients } from "@aviary/sdk";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { checkChainAnswers } from "../../io/checkChainAnswers.ts";

/** What the `gateway stake | unstake | status` commands work with. */
export type GatewayClients = {
  config: GatewayConfig;
  /** The gateway's address (the key's). */
  gateway: Address;
  registry: Address;
  clients: AviaryWriteClients;
};

/**
 * Loads the gateway configuration (the key from AVIARY_GATEWAY_KEY or the file's gatewayKey, never argv), checks
 * that its chain answers with the configured chain id, and builds the clients that send as the gateway.
 *
 * @param path - the `--config` file.
 * @example
 * const { clients, gateway, registry } = await gatewayClients("gateway.json");
 */
export async function gatewayClients(path: string): Promise<GatewayClients> {
  const config = loadGatewayConfig(path);
  await checkChainAnswers(config.chain.rpcUrl, config.chain.chainId, path);
  const account = privateKeyToAccount(config.gatewayKey as Hex);
  const chain = aviaryChain({ rpcUrl: config.chain.rpcUrl, chainId: config.chain.chainId });
  // cacheTime 0: stakes and sessions are read against the head.
  const publicClient = createPublicClient({ chain, transport: http(config.chain.rpcUrl), cacheTime: 0 });
  return {
    config,
    gateway: account.address,
    registry: config.chain.registry as Address,
    clients: {
      publicClient: publicClient as PublicClient,
      walletClient: createWalletClient({ chain, transport: http(config.chain.rpcUrl), account }),
    },
  };
}

/** The URL the gateway serves at, from its configuration (0.0.0.0 and :: read as loopback). */
export function gatewayServerUrl(config: GatewayConfig): string {
  const host = ["0.0.0.0", "::", ""].includes(config.server.host) ? "127.0.0.1" : config.server.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.server.port}`;
}
