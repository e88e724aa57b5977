import {
  getApplicationDelegates,
  getApplicationStake,
  getCurrentSession,
  getSessionTotal,
  getTokenBalance,
  isDelegatedAt,
} from "@aviary/sdk";
import { privateKeyToAccount } from "viem/accounts";
import { formatTokens } from "../../io/formatTokens.ts";
import { parseAddress } from "../../io/parseAddress.ts";
import { printJson } from "../../io/printJson.ts";
import { readPrivateKey } from "../../io/readPrivateKey.ts";
import { resolveChain } from "../../io/resolveChain.ts";
import type { AppBalanceOptions } from "./appBalance.command.ts";

/**
 * `aviary app balance`: an application's tokens, stake, unbonding, the current session's budget and its
 * delegations (those in force this session and those pending for the next).
 */
export async function appBalance(options: AppBalanceOptions): Promise<void> {
  const application =
    options.address !== undefined
      ? parseAddress(options.address, "--address")
      : privateKeyToAccount(readPrivateKey(options.keyEnv, "`app balance` without --address")).address;
  const resolved = await resolveChain(options);
  const { registry, settlement, token } = resolved.contracts;
  const read = resolved.publicClient;
  const { session } = await getCurrentSession(read, { registry });
  const [stake, balance, { budget, total: spent }, delegates] = await Promise.all([
    getApplicationStake(read, { registry, application, session }),
    getTokenBalance(read, { token, account: application }),
    getSessionTotal(read, { settlement, application, session }),
    getApplicationDelegates(read, { registry, application }),
  ]);
  const delegations = await Promise.all(
    delegates.map(async (gateway) => ({
      gateway,
      activeThisSession: await isDelegatedAt(read, { registry, application, gateway, session }),
    })),
  );
  const result = {
    application,
    session,
    balance,
    stake: stake.stake,
    unbonding: stake.unbonding,
    releaseSession: stake.releaseSession,
    sessionStake: stake.sessionStake ?? 0n,
    sessionBudget: budget,
    sessionClaimed: spent,
    unsettledClaims: stake.unsettledClaims,
    delegations,
  };
  if (options.json) {
    printJson(result);
    return;
  }
  console.log(`application ${application} (session ${session})`);
  if (stake.stake === 0n && stake.unbonding === 0n) {
    console.log("  (not staked as an application: `aviary app stake --amount 1000`)");
  }
  console.log(`  tokens          ${formatTokens(balance)}`);
  console.log(`  stake           ${formatTokens(stake.stake)}`);
  console.log(
    `  unbonding       ${formatTokens(stake.unbonding)}${stake.unbonding > 0n ? ` (withdrawable from session ${stake.releaseSession})` : ""}`,
  );
  console.log(`  release session ${stake.releaseSession}`);
  if (stake.unsettledClaims > 0n)
    console.log(
      `  unsettled       ${stake.unsettledClaims} claim(s) against this application: no withdrawal until they settle`,
    );
  console.log(
    `  session budget  ${formatTokens(budget)} (stake at session start ${formatTokens(result.sessionStake)}; claims counted against it so far ${formatTokens(spent)})`,
  );
  if (delegations.length === 0) console.log("  delegations     none (`aviary app delegate --gateway 0x…`)");
  for (const delegation of delegations) {
    console.log(
      `  delegated to    ${delegation.gateway}${delegation.activeThisSession ? "" : " (from next session)"}`,
    );
  }
}
