import { getCurrentSession, getSupplierCollateral, getSupplierOffer, getSupplierStake } from "@aviary/sdk";
import { loadSupplierConfig } from "@aviary/supplier";
import { type Address, createPublicClient, formatUnits, http, keccak256, toHex } from "viem";
import type { SupplierStatusOptions } from "./supplierStatus.command.ts";

/**
 * `aviary supplier status`: stake (and how much of it unsettled claims lock as collateral) and offers on-chain,
 * and what the running node says about itself.
 */
export async function supplierStatus(options: SupplierStatusOptions): Promise<void> {
  const config = loadSupplierConfig(options.config);
  const client = createPublicClient({ transport: http(config.chain.rpcUrl) });
  const registry = config.chain.registry as Address;
  const supplier = config.supplier as Address;
  const [{ stake, unbonding, releaseSession }, collateral, { session }] = await Promise.all([
    getSupplierStake(client, { registry, supplier }),
    getSupplierCollateral(client, { registry, supplier }),
    getCurrentSession(client, { registry }),
  ]);
  const offers = [];
  for (const model of config.models) {
    const { active, inputPrice, outputPrice } = await getSupplierOffer(client, {
      registry,
      supplier,
      model: keccak256(toHex(model.name)),
      session,
    });
    offers.push({
      model: model.name,
      active,
      inputPrice: inputPrice.toString(),
      outputPrice: outputPrice.toString(),
    });
  }
  const url = config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}`;
  let node: unknown;
  try {
    const response = await fetch(`${url}/v1/supplier`, { signal: AbortSignal.timeout(2_000) });
    node = response.ok ? await response.json() : { error: `HTTP ${response.status}` };
  } catch (error) {
    node = { error: `not reachable at ${url}: ${(error as Error).message}` };
  }
  const status = {
    supplier,
    session: session.toString(),
    stake: stake.toString(),
    unbonding: unbonding.toString(),
    releaseSession: releaseSession.toString(),
    collateral: { locked: collateral.locked.toString(), unlocked: collateral.unlocked.toString() },
    offers,
    node,
  };
  if (options.json) {
    console.log(JSON.stringify(status, null, 2));
    return;
  }
  console.log(`supplier ${supplier} (session ${session})`);
  console.log(`  stake      ${formatUnits(stake, 18)} (unbonding ${formatUnits(unbonding, 18)})`);
  console.log(
    `  collateral ${formatUnits(collateral.locked, 18)} locked by unsettled claims, ${formatUnits(collateral.unlocked, 18)} free for new claims`,
  );
  for (const offer of offers) {
    console.log(
      `  offer      ${offer.model}: ${offer.active ? `${offer.inputPrice}/${offer.outputPrice} wei per input/output token` : "not offered this session"}`,
    );
  }
  console.log(
    `  node       ${url}: ${"error" in (node as object) ? (node as { error: string }).error : "answering"}`,
  );
}
