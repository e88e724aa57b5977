import {
  getApplicationStake,
  getGatewayStake,
  getRegistryParams,
  getSupplierStake,
  getTokenBalance,
  getTotalHeld,
} from "@aviary/sdk";
import type { Address } from "viem";
import { CliInputError } from "../../errors.ts";
import { formatTokens } from "../../io/formatTokens.ts";
import { printJson } from "../../io/printJson.ts";
import { resolveChain } from "../../io/resolveChain.ts";
import type { BalancesOptions } from "./balances.command.ts";

/**
 * `aviary balances`: every dev account of devnet.json (role and address) with its AVY and its stakes as a
 * supplier, an application and a gateway, plus the protocol treasury and what the registry holds.
 */
export async function balances(options: BalancesOptions): Promise<void> {
  const resolved = await resolveChain({ home: options.home });
  if (!resolved.devnet)
    throw new CliInputError("`aviary balances` lists the accounts of devnet.json: pass --home.");
  const { registry, token } = resolved.contracts;
  const read = resolved.publicClient;
  const params = await getRegistryParams(read, { registry });
  const accounts: { role: string; address: Address }[] = resolved.devnet.accounts.map((account) => ({
    role: account.role,
    address: account.address as Address,
  }));
  if (!accounts.some((account) => account.address.toLowerCase() === params.treasury.toLowerCase())) {
    accounts.push({ role: "treasury", address: params.treasury });
  }
  // Of each role's stake, what is staked and what unbonds (the JSON has `{ stake, unbonding }` for each).
  const staked = ({ stake, unbonding }: { stake: bigint; unbonding: bigint }) => ({ stake, unbonding });
  const rows = await Promise.all(
    accounts.map(async ({ role, address }) => {
      const [balance, supplier, application, gateway] = await Promise.all([
        getTokenBalance(read, { token, account: address }),
        getSupplierStake(read, { registry, supplier: address }).then(staked),
        getApplicationStake(read, { registry, application: address }).then(staked),
        getGatewayStake(read, { registry, gateway: address }).then(staked),
      ]);
      return {
        role,
        address,
        treasury: address.toLowerCase() === params.treasury.toLowerCase(),
        balance,
        supplier,
        application,
        gateway,
      };
    }),
  );
  const held = await getTotalHeld(read, { registry });
  if (options.json) {
    printJson({ token, treasury: params.treasury, registryHeld: held, accounts: rows });
    return;
  }
  const stakeText = (label: string, value: { stake: bigint; unbonding: bigint }) =>
    value.stake === 0n && value.unbonding === 0n
      ? []
      : [
          `${label} ${formatTokens(value.stake)}${value.unbonding > 0n ? ` (+${formatTokens(value.unbonding)} unbonding)` : ""}`,
        ];
  console.log(`AVY token ${token}; the registry holds ${formatTokens(held)} in stakes`);
  for (const row of rows) {
    const stakes = [
      ...stakeText("supplier", row.supplier),
      ...stakeText("application", row.application),
      ...stakeText("gateway", row.gateway),
    ];
    const role = row.treasury && row.role !== "treasury" ? `${row.role} (treasury)` : row.role;
    console.log(
      `${role.padEnd(14)} ${row.address}  ${formatTokens(row.balance).padStart(24)}${stakes.length ? `  staked: ${stakes.join(", ")}` : ""}`,
    );
  }
}
