import { type Address, erc20Abi, type PublicClient, type ReadContractErrorType } from "viem";

export type GetTokenDecimalsParameters = {
  /** Any ERC-20 (the stake token, or one to deploy against). */
  token: Address;
};
/** How many decimals the token's amounts have (18 for AVY). */
export type GetTokenDecimalsReturnType = number;
export type GetTokenDecimalsErrorType = ReadContractErrorType;

/**
 * Reads an ERC-20's `decimals()`; it fails (reverts or returns no data) where `token` is not an ERC-20.
 *
 * @param publicClient - a viem public client on the token's chain.
 * @param parameters - the token.
 * @example
 * ```ts
 * const decimals = await getTokenDecimals(publicClient, { token: "0x…" });
 * console.log(formatUnits(balance, decimals));
 * ```
 */
export async function getTokenDecimals(
  publicClient: PublicClient,
  { token }: GetTokenDecimalsParameters,
): Promise<GetTokenDecimalsReturnType> {
  return publicClient.readContract({ address: token, abi: erc20Abi, functionName: "decimals" });
}
