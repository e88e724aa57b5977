import {
  getGatewayStake,
  getRegistryParams,
  getStakeToken,
  getTokenBalance,
  stakeGateway,
} from "@aviary/sdk";
import { CliInputError } from "../../errors.ts";
import { formatTokens } from "../../io/formatTokens.ts";
import { parseTokenAmount } from "../../io/parseTokenAmount.ts";
import { withProgress } from "../../io/withProgress.ts";
import { gatewayClients, gatewayServerUrl } from "./gatewayClients.ts";
import type { GatewayStakeOptions } from "./gatewayStake.command.ts";

/**
 * `aviary gateway stake`: stakes AVY as the gateway of the config (its key: AVIARY_GATEWAY_KEY), approving the
 * registry when needed, and sets its metadata URL (default on the first stake: the config's server +
 * `/public/v1/suppliers`; later stakes keep the URL unless `--metadata-url` is given). Applications can delegate
 * only to a staked gateway.
 */
export async function gatewayStake(options: GatewayStakeOptions): Promise<void> {
  const amount = parseTokenAmount(options.amount, "--amount");
  if (options.metadataUrl !== undefined) parseMetadataUrl(options.metadataUrl);
  const { config, gateway, registry, clients } = await gatewayClients(options.config);
  const read = clients.publicClient;
  const token = await getStakeToken(read, { registry });
  const [balance, current, params] = await Promise.all([
    getTokenBalance(read, { token, account: gateway }),
    getGatewayStake(read, { registry, gateway }),
    getRegistryParams(read, { registry }),
  ]);
  if (balance < amount) {
    throw new CliInputError(
      `--amount ${options.amount} is more than ${gateway} holds: ${formatTokens(balance)}.`,
    );
  }
  if (current.stake + amount < params.minGatewayStake) {
    throw new CliInputError(
      `--amount ${options.amount} leaves the stake below the minimum of ${formatTokens(params.minGatewayStake)}.`,
      current.stake > 0n ? [`The gateway already has ${formatTokens(current.stake)} staked.`] : [],
    );
  }
  // The contract keeps the recorded URL when given "": only send one that is new.
  const metadataUrl =
    options.metadataUrl ??
    (current.metadataUrl === "" ? `${gatewayServerUrl(config)}/public/v1/suppliers` : "");
  await withProgress(
    `sending stake transaction (${formatTokens(amount)}${current.stake > 0n ? " more" : ""}, gateway ${gateway}${metadataUrl ? `, metadata ${metadataUrl}` : ""})`,
    () => stakeGateway(clients, { registry, amount, metadataUrl, token }),
  );
  console.log(
    `staked ${formatTokens(current.stake + amount)} as gateway ${gateway}; applications can delegate to it now:`,
  );
  console.log(`  AVIARY_APP_KEY=0x… npx aviary app delegate --gateway ${gateway}`);
}

function parseMetadataUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new CliInputError(
      `--metadata-url must be an http(s) URL such as https://gw.example/public/v1/suppliers, got "${value}".`,
    );
  }
  return value;
}
