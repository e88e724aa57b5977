import { aviaryChain } from "@aviary/protocol";
import type { AviaryWriteClients } from "@aviary/sdk";
import { createPublicClient, createWalletClient, type Hex, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { checkChainAnswers } from "./checkChainAnswers.ts";

/**
 * The clients a node's own commands send with (`supplier stake | offer`, `gateway stake | unstake | status`): the
 * chain of its configuration file, checked to answer first (and to be `expectedChainId` when given), and a wallet
 * client for `privateKey`.
 *
 * @param chain - the configuration's `chain.rpcUrl` and `chain.chainId`.
 * @param privateKey - the key that sends (never from argv).
 * @param check - `source` names the file in errors; `expectedChainId` also checks the chain id.
 * @example
 * const clients = await configWriteClients(config.chain, config.gatewayKey, { source: path, expectedChainId: config.chain.chainId });
 */
export async function configWriteClients(
  chain: { rpcUrl: string; chainId: number },
  privateKey: Hex,
  check: { source: string; expectedChainId?: number },
): Promise<AviaryWriteClients> {
  await checkChainAnswers(chain.rpcUrl, check.expectedChainId, check.source);
  const viemChain = aviaryChain({ rpcUrl: chain.rpcUrl, chainId: chain.chainId });
  // cacheTime 0: stakes and sessions are read against the head.
  const publicClient = createPublicClient({ chain: viemChain, transport: http(chain.rpcUrl), cacheTime: 0 });
  return {
    publicClient: publicClient as PublicClient,
    walletClient: createWalletClient({
      chain: viemChain,
      transport: http(chain.rpcUrl),
      account: privateKeyToAccount(privateKey),
    }),
  };
}
