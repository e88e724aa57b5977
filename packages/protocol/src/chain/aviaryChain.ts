import { type Chain, defineChain } from "viem";

export type AviaryChainParameters = { rpcUrl: string; chainId: number; name?: string };

/**
 * A viem `Chain` for an Aviary deployment reached at `rpcUrl` (any EVM chain: the devnet, or an L2).
 *
 * @example
 * const publicClient = createPublicClient({ chain: aviaryChain({ rpcUrl, chainId: 31337 }), transport: http(rpcUrl) });
 */
export function aviaryChain({ rpcUrl, chainId, name = "Aviary" }: AviaryChainParameters): Chain {
  return defineChain({
    id: chainId,
    name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}
