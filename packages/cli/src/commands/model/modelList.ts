import { getCurrentSession, getSupplierOffer, listModels, listSuppliers } from "@aviary/sdk";
import type { Hex } from "viem";
import { printJson } from "../../io/printJson.ts";
import { resolveChain } from "../../io/resolveChain.ts";
import type { ModelListOptions } from "./modelList.command.ts";

/**
 * `aviary model list`: every registered model (from the registry's `ModelRegistered` events, read back as
 * stored now) with how many suppliers offer it this session and next.
 */
export async function modelList(options: ModelListOptions): Promise<void> {
  const resolved = await resolveChain(options);
  const { registry } = resolved.contracts;
  const read = resolved.publicClient;
  const [models, suppliers, { session }] = await Promise.all([
    listModels(read, { registry, fromBlock: resolved.fromBlock }),
    listSuppliers(read, { registry }),
    getCurrentSession(read, { registry }),
  ]);
  const offering = (model: Hex, at: bigint) =>
    Promise.all(
      suppliers.map((supplier) => getSupplierOffer(read, { registry, supplier, model, session: at })),
    ).then((offers) => offers.filter(({ active }) => active).length);
  const rows = await Promise.all(
    models.map(async (model) => ({
      name: model.name,
      modelId: model.modelId,
      weightsDigest: model.weightsDigest,
      uri: model.uri,
      kind: model.kind,
      source: model.source,
      sourceShareBps: model.sourceShareBps,
      registeredAt: model.registeredAt,
      suppliers: await offering(model.modelId, session),
      suppliersNextSession: await offering(model.modelId, session + 1n),
    })),
  );
  if (options.json) {
    printJson(rows);
    return;
  }
  if (rows.length === 0) {
    console.log("no models registered yet: `aviary model publish --file model.gguf --name my-model`");
    return;
  }
  console.log(`${rows.length} model${rows.length === 1 ? "" : "s"} registered (session ${session})`);
  for (const row of rows) {
    const next =
      row.suppliersNextSession === row.suppliers ? "" : ` (${row.suppliersNextSession} next session)`;
    console.log("");
    console.log(
      `${row.name}  [${row.kind}]  offered by ${row.suppliers} supplier${row.suppliers === 1 ? "" : "s"}${next}`,
    );
    console.log(`  id      ${row.modelId}`);
    console.log(`  digest  ${row.weightsDigest} (sha256)`);
    console.log(`  uri     ${row.uri}`);
    console.log(`  source  ${row.source} (share ${row.sourceShareBps} bps = ${row.sourceShareBps / 100}%)`);
  }
}
