import {
  delegateGateway,
  getApplicationDelegates,
  getApplicationStake,
  getCurrentSession,
  getGatewayStake,
  undelegateGateway,
} from "@aviary/sdk";
import { CliInputError } from "../../errors.ts";
import { parseAddress } from "../../io/parseAddress.ts";
import { readPrivateKey } from "../../io/readPrivateKey.ts";
import { resolveChain, writeClients } from "../../io/resolveChain.ts";
import { withProgress } from "../../io/withProgress.ts";
import type { AppDelegateOptions } from "./appDelegate.command.ts";

/**
 * `aviary app delegate`: lets a staked gateway sign relays for the application (or, with `--undelegate`,
 * stops it). Takes effect at the next session.
 */
export async function appDelegate(options: AppDelegateOptions): Promise<void> {
  const gateway = parseAddress(options.gateway, "--gateway");
  const key = readPrivateKey(options.keyEnv, "Delegating an application");
  const resolved = await resolveChain(options);
  const clients = writeClients(resolved, key);
  const application = clients.walletClient.account?.address;
  if (!application) throw new Error("unreachable: wallet without an account");
  const { registry } = resolved.contracts;
  const read = resolved.publicClient;
  const [{ stake: applicationStake }, { stake: gatewayStake }, delegates, { session }] = await Promise.all([
    getApplicationStake(read, { registry, application }),
    getGatewayStake(read, { registry, gateway }),
    getApplicationDelegates(read, { registry, application }),
    getCurrentSession(read, { registry }),
  ]);
  const delegated = delegates.some((address) => address.toLowerCase() === gateway.toLowerCase());
  if (options.undelegate) {
    if (!delegated) throw new CliInputError(`${application} is not delegated to --gateway ${gateway}.`);
    await withProgress(`sending undelegate transaction (gateway ${gateway})`, () =>
      undelegateGateway(clients, { registry, gateway }),
    );
    console.log(
      `undelegated ${gateway}; it may sign for ${application} until session ${session + 1n} begins`,
    );
    return;
  }
  if (applicationStake === 0n) {
    throw new CliInputError(`${application} is not a staked application.`, [
      "Stake first: `aviary app stake --amount 1000`.",
    ]);
  }
  if (gatewayStake === 0n) throw new CliInputError(`--gateway ${gateway} is not a staked gateway.`);
  if (delegated) throw new CliInputError(`${application} is already delegated to --gateway ${gateway}.`);
  await withProgress(`sending delegate transaction (gateway ${gateway})`, () =>
    delegateGateway(clients, { registry, gateway }),
  );
  console.log(`delegated ${application} to ${gateway}, effective from session ${session + 1n}`);
}
