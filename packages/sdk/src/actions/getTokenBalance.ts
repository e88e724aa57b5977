import { type Address, erc20Abi, type PublicClient, type ReadContractErrorType } from "viem";

export type GetTokenBalanceParameters = {
  /** The ERC-20, e.g. the registry's stake token ({@link getStakeToken}). */
  token: Address;
  /** Whose balance. */
  account: Address;
};
/** The balance in the token's smallest unit (wei for AVY). */
export type GetTokenBalanceReturnType = bigint;
export type GetTokenBalanceErrorType = ReadContractErrorType;

/**
 * Reads an account's balance of an ERC-20 (`balanceOf`).
 *
 * @param publicClient - a viem public client on the token's chain.
 * @param parameters - the token and the account.
 * @example
 * ```ts
 * const token = await getStakeToken(publicClient, { registry });
 * const balance = await getTokenBalance(publicClient, { token, account: "0x…" });
 * ```
 */
export async function getTokenBalance(
  publicClient: PublicClient,
  { token, account }: GetTokenBalanceParameters,
): Promise<GetTokenBalanceReturnType> {
  return publicClient.readContract({
    address: token,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [account],
  });
}
