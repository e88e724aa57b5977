import {
  getCurrentSession,
  getGatewayStake,
  getStakeToken,
  getTokenBalance,
  isDelegatedAt,
} from "@aviary/sdk";
import type { Address } from "viem";
import { formatTokens } from "../../io/formatTokens.ts";
import { printJson } from "../../io/printJson.ts";
import { gatewayClients, gatewayServerUrl } from "./gatewayClients.ts";
import type { GatewayStatusOptions } from "./gatewayStatus.command.ts";

/**
 * `aviary gateway status`: the gateway's stake, unbonding and release session, its metadata URL, whether each
 * application of the config delegates to it (this session, or from the next), and whether the node answers.
 */
export async function gatewayStatus(options: GatewayStatusOptions): Promise<void> {
  const { config, gateway, registry, clients } = await gatewayClients(options.config);
  const read = clients.publicClient;
  const { session } = await getCurrentSession(read, { registry });
  const token = await getStakeToken(read, { registry });
  const [stake, balance, applications] = await Promise.all([
    getGatewayStake(read, { registry, gateway }),
    getTokenBalance(read, { token, account: gateway }),
    // The config names the applications the gateway signs for: asking about each is cheap (no log scan).
    Promise.all(
      config.applications.map(async (application) => {
        const delegatedAt = (at: bigint) =>
          isDelegatedAt(read, { registry, application: application as Address, gateway, session: at });
        const [thisSession, nextSession] = await Promise.all([
          delegatedAt(session),
          delegatedAt(session + 1n),
        ]);
        return { application, thisSession, nextSession };
      }),
    ),
  ]);
  const url = gatewayServerUrl(config);
  let node: { answering: boolean; error?: string };
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    node = response.ok ? { answering: true } : { answering: false, error: `HTTP ${response.status}` };
  } catch (error) {
    node = { answering: false, error: `not reachable: ${(error as Error).message}` };
  }
  const status = {
    gateway,
    session,
    balance,
    stake: stake.stake,
    unbonding: stake.unbonding,
    releaseSession: stake.releaseSession,
    metadataUrl: stake.metadataUrl,
    applications,
    node: { url, ...node },
  };
  if (options.json) {
    printJson(status);
    return;
  }
  console.log(`gateway ${gateway} (session ${session})`);
  if (stake.stake === 0n)
    console.log("  (not staked: `aviary gateway stake --config … --amount 100`; nobody can delegate to it)");
  console.log(`  tokens          ${formatTokens(balance)}`);
  console.log(`  stake           ${formatTokens(stake.stake)}`);
  console.log(
    `  unbonding       ${formatTokens(stake.unbonding)}${stake.unbonding > 0n ? ` (withdrawable from session ${stake.releaseSession})` : ""}`,
  );
  console.log(`  release session ${stake.releaseSession}`);
  console.log(`  metadata URL    ${stake.metadataUrl || "(none)"}`);
  for (const { application, thisSession, nextSession } of applications) {
    const state = thisSession
      ? nextSession
        ? "delegated"
        : "delegated (ends with this session)"
      : nextSession
        ? "delegated from next session"
        : "NOT delegated (`aviary app delegate --gateway …` with the application's key)";
    console.log(`  application     ${application}: ${state}`);
  }
  console.log(`  node            ${url}: ${node.answering ? "answering" : node.error}`);
}
