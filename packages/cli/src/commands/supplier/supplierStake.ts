import {
  getRegistryParams,
  getStakeToken,
  getSupplierStake,
  getTokenBalance,
  setOffer,
  stakeSupplier,
} from "@aviary/sdk";
import { loadSupplierConfig } from "@aviary/supplier";
import type { Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CliInputError } from "../../errors.ts";
import { formatTokens } from "../../io/formatTokens.ts";
import { parseTokenAmount } from "../../io/parseTokenAmount.ts";
import { resolveModel } from "../../io/resolveModel.ts";
import { withProgress } from "../../io/withProgress.ts";
import { ownerClients } from "./ownerClients.ts";
import type { SupplierStakeOptions } from "./supplierStake.command.ts";

/**
 * `aviary supplier stake`: stakes (first time: registers with the operator and endpoint), then sets the
 * offer of every model in the configuration (effective next session). Needs the owner key.
 */
export async function supplierStake(options: SupplierStakeOptions): Promise<void> {
  const amount = parseTokenAmount(options.amount, "--amount");
  if (options.endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(options.endpoint)) {
    throw new CliInputError(`--endpoint must be an http(s) URL, got "${options.endpoint}".`);
  }
  const config = loadSupplierConfig(options.config);
  const { clients, owner, registry } = await ownerClients(config, "Staking");
  const read = clients.publicClient;
  const operator = privateKeyToAccount(config.operatorKey as Address).address;
  const endpoint =
    options.endpoint ?? config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}`;
  const token = await getStakeToken(read, { registry });
  const [balance, { stake }, params] = await Promise.all([
    getTokenBalance(read, { token, account: owner }),
    getSupplierStake(read, { registry, supplier: owner }),
    getRegistryParams(read, { registry }),
  ]);
  if (balance < amount) {
    throw new CliInputError(
      `--amount ${options.amount} is more than ${owner} holds: ${formatTokens(balance)}.`,
    );
  }
  if (stake + amount < params.minSupplierStake) {
    throw new CliInputError(
      `--amount ${options.amount} leaves the stake below the minimum of ${formatTokens(params.minSupplierStake)}.`,
    );
  }
  // Check every model before sending anything: an unknown name would fail halfway.
  const models = await Promise.all(
    config.models.map((model) => resolveModel(read, registry, model.name, "models[].name")),
  );
  await withProgress(
    stake === 0n
      ? `sending stake transaction (${formatTokens(amount)}, operator ${operator}, endpoint ${endpoint})`
      : `sending stake transaction (${formatTokens(amount)} more)`,
    () => stakeSupplier(clients, { registry, amount, operator, endpoint, token }),
  );
  for (const [index, model] of config.models.entries()) {
    const modelId = models[index]?.modelId;
    if (!modelId) continue;
    await withProgress(
      `offering ${model.name} at ${model.inputPrice}/${model.outputPrice} wei per input/output token`,
      () =>
        setOffer(clients, {
          registry,
          model: modelId,
          inputPrice: model.inputPrice,
          outputPrice: model.outputPrice,
        }),
    );
  }
  console.log(`staked ${formatTokens(stake + amount)}; offers take effect at the next session`);
}
