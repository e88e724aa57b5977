import { aviaryRegistryAbi, aviaryTokenAbi } from "@aviary/protocol";
import type { Address } from "viem";
import { type AviaryWriteClients, accountOf, waitForSuccess } from "./clients.ts";

/**
 * Makes sure the registry may pull `amount` tokens from the wallet's account: reads the registry's token and
 * the allowance, and approves exactly `amount` when the allowance is lower (never an unlimited approval).
 */
export async function ensureAllowance(
  clients: AviaryWriteClients,
  { registry, amount, token, action }: { registry: Address; amount: bigint; token?: Address; action: string },
): Promise<void> {
  if (amount === 0n) return;
  const account = accountOf(clients, action);
  const tokenAddress =
    token ??
    (await clients.publicClient.readContract({
      address: registry,
      abi: aviaryRegistryAbi,
      functionName: "token",
    }));
  const allowance = await clients.publicClient.readContract({
    address: tokenAddress,
    abi: aviaryTokenAbi,
    functionName: "allowance",
    args: [account.address, registry],
  });
  if (allowance >= amount) return;
  const hash = await clients.walletClient.writeContract({
    address: tokenAddress,
    abi: aviaryTokenAbi,
    functionName: "approve",
    args: [registry, amount],
    account,
    chain: clients.walletClient.chain,
  });
  await waitForSuccess(clients, hash, "approve");
}
