import { aviaryRegistryAbi } from "@aviary/protocol";
import { listModels } from "@aviary/sdk";
import type { Address } from "viem";
import { printJson } from "../../io/printJson.ts";
import { type ChainOptions, resolveChain } from "../../io/resolveChain.ts";

export type ModelListOptions = ChainOptions & { json: boolean };

/**
 * `aviary model list`: every registered model (from the registry's `ModelRegistered` events, read back as
 * stored now) with how many suppliers offer it this session and next.
 */
export async function modelList(options: ModelListOptions): Promise<void> {
  const resolved = await resolveChain(options);
  const { registry } = resolved.contracts;
  const read = resolved.publicClient;
  const [models, count, session] = await Promise.all([
    listModels(read, { registry, fromBlock: resolved.fromBlock }),
    read.readContract({ address: registry, abi: aviaryRegistryAbi, functionName: "supplierCount" }),
    read.readContract({ address: registry, abi: aviaryRegistryAbi, functionName: "currentSession" }),
  ]);
  const suppliers: readonly Address[] =
    count === 0n
      ? []
      : await read.readContract({
          address: registry,
          abi: aviaryRegistryAbi,
          functionName: "suppliers",
          args: [0n, count],
        });
  const offering = (model: `0x${string}`, at: bigint) =>
    Promise.all(
      suppliers.map((supplier) =>
        read.readContract({
          address: registry,
          abi: aviaryRegistryAbi,
          functionName: "offerAt",
          args: [supplier, model, at],
        }),
      ),
    ).then((offers) => offers.filter(([active]) => active).length);
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
      suppliers: await offering(model.modelId, BigInt(session)),
      suppliersNextSession: await offering(model.modelId, BigInt(session) + 1n),
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
