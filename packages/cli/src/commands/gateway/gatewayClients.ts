import { type GatewayConfig, loadGatewayConfig } from "@aviary/gateway";
import type { AviaryWriteClients } from "@aviary/sdk";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { configWriteClients } from "../../io/configWriteClients.ts";

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
  const gatewayKey = config.gatewayKey as Hex;
  const clients = await configWriteClients(config.chain, gatewayKey, {
    source: path,
    expectedChainId: config.chain.chainId,
  });
  return {
    config,
    gateway: privateKeyToAccount(gatewayKey).address,
    registry: config.chain.registry as Address,
    clients,
  };
}

/** The URL the gateway serves at, from its configuration (0.0.0.0 and :: read as loopback). */
export function gatewayServerUrl(config: GatewayConfig): string {
  const host = ["0.0.0.0", "::", ""].includes(config.server.host) ? "127.0.0.1" : config.server.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.server.port}`;
}
