import { type AviaryClaimEntry, listClaims, listModels } from "@aviary/sdk";
import { CliInputError } from "../../errors.ts";
import { formatTokens } from "../../io/formatTokens.ts";
import { parseAddress } from "../../io/parseAddress.ts";
import { printJson } from "../../io/printJson.ts";
import { resolveChain } from "../../io/resolveChain.ts";
import type { ClaimsOptions } from "./claims.command.ts";

const statusText: Record<AviaryClaimEntry["status"], string> = {
  claimed: "claimed (waiting for the proof seed)",
  "proof-required": "proof required (proof window open)",
  "awaiting-settlement": "no proof needed, awaiting settlement",
  proven: "proven, awaiting settlement",
  settled: "settled",
  "proof-missing": "proof missing",
};

/**
 * `aviary claims`: the settlement's claims (from `Claimed` events) with their status: waiting, proof
 * required, proven, settled (with what was paid to whom) or proof missing (with the slash).
 */
export async function claims(options: ClaimsOptions): Promise<void> {
  const supplier = options.supplier === undefined ? undefined : parseAddress(options.supplier, "--supplier");
  const application =
    options.application === undefined ? undefined : parseAddress(options.application, "--application");
  let session: bigint | undefined;
  if (options.session !== undefined) {
    if (!/^\d+$/.test(options.session.trim()))
      throw new CliInputError(`--session must be a session number (0, 1, 2, …), got "${options.session}".`);
    session = BigInt(options.session.trim());
  }
  const resolved = await resolveChain(options);
  const read = resolved.publicClient;
  const [entries, models, head] = await Promise.all([
    listClaims(read, {
      settlement: resolved.contracts.settlement,
      supplier,
      application,
      session,
      fromBlock: resolved.fromBlock,
    }),
    listModels(read, { registry: resolved.contracts.registry, fromBlock: resolved.fromBlock }),
    read.getBlockNumber(),
  ]);
  const names = new Map(models.map((model) => [model.modelId.toLowerCase(), model.name]));
  const rows = entries.map((entry) => ({
    ...entry,
    modelName: names.get(entry.model.toLowerCase()) ?? null,
  }));
  if (options.json) {
    printJson(rows);
    return;
  }
  if (rows.length === 0) {
    console.log(
      `no claims${supplier || application || session !== undefined ? " match" : " yet"} (block ${head})`,
    );
    return;
  }
  console.log(`${rows.length} claim${rows.length === 1 ? "" : "s"} (block ${head})`);
  for (const row of rows) {
    console.log("");
    console.log(`session ${row.session}  ${row.modelName ?? row.model}  ${statusText[row.status]}`);
    console.log(`  claim        ${row.claimKey}`);
    console.log(`  supplier     ${row.supplier}`);
    console.log(`  application  ${row.application}`);
    console.log(`  relays       ${row.root.count} mined, ${formatTokens(row.amount)} claimed`);
    console.log(
      `  collateral   ${formatTokens(row.collateral)}${row.collateralReleased !== undefined ? " (released)" : row.settled ? "" : " (locked)"}`,
    );
    if (row.provenRelayKeys) {
      const { sum, count } = row.provenRelayKeys;
      console.log(
        sum.toLowerCase() === count.toLowerCase()
          ? `  proven       relay ${sum} (drawn by sum and by count)`
          : `  proven       relays ${sum} (by sum), ${count} (by count)`,
      );
    }
    if (row.payment) {
      console.log(
        `  paid         ${formatTokens(row.payment.paid)}: supplier ${formatTokens(row.payment.toSupplier)}, source ${formatTokens(row.payment.toSource)}, treasury ${formatTokens(row.payment.toTreasury)}`,
      );
    }
    if (row.slashedAmount !== undefined)
      console.log(`  slashed      ${formatTokens(row.slashedAmount)} of collateral (no proof)`);
    else if (row.status === "proof-missing")
      console.log(
        `  slash        pending: settling will slash the ${formatTokens(row.collateral)} collateral`,
      );
    if (!row.settled) {
      console.log(
        `  windows      proof ${row.windows.proofStart}–${row.windows.proofEnd}, settle from ${row.windows.settleFrom}`,
      );
    }
  }
}
