// Appends per second with 64 appends in flight, per fsync policy (records are prepared beforehand, so this
// measures validation, encoding and the writes), then reading them back:
//   node --conditions=aviary-source --import tsx packages/supplier/bench/FileRelayStore.bench.ts [records]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileRelayStore, type FsyncPolicy } from "../src/store/FileRelayStore.ts";
import { MemoryRelayStore } from "../src/store/MemoryRelayStore.ts";
import type { RelayStore } from "../src/store/RelayStore.ts";
import { makeRelayRecord } from "../test/store/relayStore.fixtures.ts";

const total = Number(process.argv[2] ?? 50_000);
const concurrency = 64;
const records = Array.from({ length: total }, (_, index) =>
  makeRelayRecord({ session: 1n, nonce: BigInt(index) }),
);

async function run(name: string, store: RelayStore, stats?: () => { writes: number; syncs: number }) {
  await store.open();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < records.length) {
        const record = records[next++];
        if (record) await store.append(record);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const counters = stats?.();
  const readStarted = performance.now();
  let read = 0;
  for await (const _record of store.readSession(1n)) read += 1;
  const readSeconds = (performance.now() - readStarted) / 1000;
  await store.close();
  const perWrite = counters ? ` (${counters.writes} writes, ${counters.syncs} fsyncs)` : "";
  console.log(
    `${name.padEnd(24)} ${Math.round(total / seconds).toLocaleString("en")} appends/s${perWrite}; ` +
      `readSession ${Math.round(read / readSeconds).toLocaleString("en")} records/s`,
  );
}

await run("memory", new MemoryRelayStore());
for (const fsync of ["never", "interval", "always"] satisfies FsyncPolicy[]) {
  const directory = await mkdtemp(join(tmpdir(), "aviary-bench-"));
  const store = new FileRelayStore({ directory, fsync });
  await run(`file, fsync ${fsync}`, store, () => store.stats());
  await rm(directory, { recursive: true, force: true });
}
