import { getApplicationStake, getRegistryParams, getTokenBalance, stakeApplication } from "@aviary/sdk";
import { CliInputError } from "../../errors.ts";
import { formatTokens } from "../../io/formatTokens.ts";
import { parseTokenAmount } from "../../io/parseTokenAmount.ts";
import { readPrivateKey } from "../../io/readPrivateKey.ts";
import { resolveChain, writeClients } from "../../io/resolveChain.ts";
import { withProgress } from "../../io/withProgress.ts";
import type { AppStakeOptions } from "./appStake.command.ts";

/**
 * `aviary app stake`: adds AVY to the application's stake (its spend escrow; the key in AVIARY_APP_KEY or
 * `--key-env`). Approves the registry when needed. A session's budget is the stake at its first block.
 */
export async function appStake(options: AppStakeOptions): Promise<void> {
  const amount = parseTokenAmount(options.amount, "--amount");
  const key = readPrivateKey(options.keyEnv, "Staking an application");
  const resolved = await resolveChain(options);
  const clients = writeClients(resolved, key);
  const application = clients.walletClient.account?.address;
  if (!application) throw new Error("unreachable: wallet without an account");
  const { registry, token } = resolved.contracts;
  const read = resolved.publicClient;
  const [balance, { stake }, params] = await Promise.all([
    getTokenBalance(read, { token, account: application }),
    getApplicationStake(read, { registry, application }),
    getRegistryParams(read, { registry }),
  ]);
  if (balance < amount) {
    throw new CliInputError(
      `--amount ${options.amount} is more than ${application} holds: ${formatTokens(balance)}.`,
    );
  }
  if (stake + amount < params.minApplicationStake) {
    throw new CliInputError(
      `--amount ${options.amount} leaves the stake below the minimum of ${formatTokens(params.minApplicationStake)}.`,
      [`The current stake is ${formatTokens(stake)}.`],
    );
  }
  await withProgress(`sending stake transaction (${formatTokens(amount)} from ${application})`, () =>
    stakeApplication(clients, { registry, amount, token }),
  );
  console.log(`application ${application} stake: ${formatTokens(stake + amount)}`);
}
