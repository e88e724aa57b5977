import {
  getCurrentSession,
  getGatewayStake,
  getRegistryParams,
  unstakeGateway,
  withdrawGateway,
} from "@aviary/sdk";
import { CliInputError } from "../../errors.ts";
import { formatTokens } from "../../io/formatTokens.ts";
import { parseTokenAmount } from "../../io/parseTokenAmount.ts";
import { withProgress } from "../../io/withProgress.ts";
import { gatewayClients } from "./gatewayClients.ts";
import type { GatewayUnstakeOptions } from "./gatewayUnstake.command.ts";

/**
 * `aviary gateway unstake`: moves `--amount` (or `--all`) of the gateway's stake into unbonding (slashable until
 * the release session), or with `--withdraw` takes back what has finished unbonding. Each is checked before
 * anything is sent.
 */
export async function gatewayUnstake(options: GatewayUnstakeOptions): Promise<void> {
  const chosen = [options.amount !== undefined, options.all, options.withdraw].filter(Boolean).length;
  if (chosen !== 1) {
    throw new CliInputError("Give exactly one of --amount <AVY>, --all or --withdraw.", [
      "--amount / --all start unbonding; --withdraw takes back what has finished unbonding.",
    ]);
  }
  const amountOption =
    options.amount === undefined ? undefined : parseTokenAmount(options.amount, "--amount");
  const { gateway, registry, clients } = await gatewayClients(options.config);
  const read = clients.publicClient;
  const [current, params, { session }] = await Promise.all([
    getGatewayStake(read, { registry, gateway }),
    getRegistryParams(read, { registry }),
    getCurrentSession(read, { registry }),
  ]);
  if (options.withdraw) {
    if (current.unbonding === 0n)
      throw new CliInputError(`Gateway ${gateway} has nothing unbonding to withdraw.`);
    if (session < current.releaseSession) {
      throw new CliInputError(
        `Gateway ${gateway}'s ${formatTokens(current.unbonding)} unbonding is withdrawable from session ${current.releaseSession}; this is session ${session}.`,
      );
    }
    await withProgress(`sending withdraw transaction (${formatTokens(current.unbonding)})`, () =>
      withdrawGateway(clients, { registry }),
    );
    console.log(`withdrew ${formatTokens(current.unbonding)} to ${gateway}`);
    return;
  }
  const amount = amountOption ?? current.stake;
  if (current.stake === 0n) throw new CliInputError(`Gateway ${gateway} has no stake to unstake.`);
  if (amount > current.stake) {
    throw new CliInputError(
      `--amount ${options.amount} is more than the gateway's stake of ${formatTokens(current.stake)}.`,
    );
  }
  const remaining = current.stake - amount;
  if (remaining !== 0n && remaining < params.minGatewayStake) {
    throw new CliInputError(
      `--amount ${options.amount} would leave ${formatTokens(remaining)} staked, below the minimum of ${formatTokens(params.minGatewayStake)}.`,
      ["Unstake everything with --all, or less."],
    );
  }
  const { receipt } = await withProgress(`sending unstake transaction (${formatTokens(amount)})`, () =>
    unstakeGateway(clients, { registry, amount }),
  );
  const after = await getGatewayStake(read, { registry, gateway });
  console.log(
    `unbonding ${formatTokens(after.unbonding)} (block ${receipt.blockNumber}); withdraw it from session ${after.releaseSession} with \`aviary gateway unstake --withdraw\``,
  );
  if (after.stake === 0n)
    console.log("  the gateway is no longer staked: applications cannot delegate to it any more");
}
