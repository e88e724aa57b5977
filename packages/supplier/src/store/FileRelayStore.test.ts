import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { describeRelayStoreConformance } from "../../test/store/relayStore.conformance.ts";
import { makeClaimState, makeRelayRecord } from "../../test/store/relayStore.fixtures.ts";
import { RelayStoreCorruptError, RelayStoreDirectoryError, RelayStoreLockedError } from "./errors.ts";
import { FileRelayStore, type FsyncPolicy } from "./FileRelayStore.ts";
import type { RelayRecord } from "./RelayStore.ts";

async function temporaryDirectory(): Promise<string> {
  return mkdtemp(join(tmpdir(), "aviary-store-"));
}

for (const fsync of ["never", "interval", "always"] satisfies FsyncPolicy[]) {
  describeRelayStoreConformance(`FileRelayStore (fsync: ${fsync})`, async () => {
    const directory = await temporaryDirectory();
    return {
      store: new FileRelayStore({ directory, fsync, fsyncIntervalMs: 20 }),
      reopen: () => new FileRelayStore({ directory, fsync, fsyncIntervalMs: 20 }),
      // A crash mid-write leaves the first bytes of a line and no newline.
      tear: async (session) => {
        const line = JSON.stringify(makeRelayRecord({ session, nonce: 999n }), (_key, value) =>
          typeof value === "bigint" ? value.toString() : value,
        );
        await appendFile(join(directory, "relays", `${session}.jsonl`), line.slice(0, 100));
      },
      cleanup: () => rm(directory, { recursive: true, force: true }),
    };
  });
}

describe("FileRelayStore files", () => {
  const directories: string[] = [];
  const stores: FileRelayStore[] = [];

  async function openStore(directory?: string, fsync: FsyncPolicy = "never"): Promise<FileRelayStore> {
    const where = directory ?? (await temporaryDirectory());
    if (!directory) directories.push(where);
    const store = new FileRelayStore({ directory: where, fsync });
    await store.open();
    stores.push(store);
    return store;
  }

  async function collect(store: FileRelayStore, session: bigint): Promise<RelayRecord[]> {
    const records: RelayRecord[] = [];
    for await (const record of store.readSession(session)) records.push(record);
    return records;
  }

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
  });

  test("test_format_oneJsonLinePerRecord_bigintsAsDecimalStrings", async () => {
    const store = await openStore();
    const record = makeRelayRecord({ session: 3n, nonce: 7n });
    await store.append(record);
    await store.putClaim(makeClaimState({ session: 3n }));
    const text = await readFile(join(store.directory, "relays", "3.jsonl"), "utf8");
    expect(text.endsWith("\n")).toBe(true);
    expect(text.split("\n")).toHaveLength(2);
    const parsed = JSON.parse(text);
    expect(parsed.relayKey).toBe(record.relayKey);
    expect(parsed.request.inputPrice).toBe((2n ** 127n + 7n).toString());
    expect(parsed.request.session).toBe("3");
    const claims = await readFile(join(store.directory, "claims.jsonl"), "utf8");
    expect(JSON.parse(claims).root.sum).toBe((2n ** 128n - 1n).toString());
  });

  test("test_append_concurrent_isGroupCommitted", async () => {
    const store = await openStore();
    const records = Array.from({ length: 1000 }, (_, index) =>
      makeRelayRecord({ session: 1n, nonce: BigInt(index) }),
    );
    await Promise.all(records.map((record) => store.append(record)));
    const { appends, writes } = store.stats();
    expect(appends).toBe(1000);
    // Same turn of the event loop: one write (a second one at most if the first raced the queue).
    expect(writes).toBeLessThanOrEqual(2);
  });

  test("test_fsyncAlways_syncsBeforeResolving", async () => {
    const store = await openStore(undefined, "always");
    await Promise.all([1n, 2n, 3n].map((nonce) => store.append(makeRelayRecord({ session: 1n, nonce }))));
    const { writes, syncs } = store.stats();
    expect(syncs).toBeGreaterThanOrEqual(writes);
    expect(syncs).toBeGreaterThanOrEqual(1);
  });

  test("test_fsyncInterval_syncsWrittenFilesInTheBackground", async () => {
    const directory = await temporaryDirectory();
    directories.push(directory);
    const store = new FileRelayStore({ directory, fsync: "interval", fsyncIntervalMs: 10 });
    await store.open();
    stores.push(store);
    await store.append(makeRelayRecord({ session: 1n, nonce: 1n }));
    await store.putClaim(makeClaimState({ session: 1n }));
    expect(store.stats().syncs).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(store.stats().syncs).toBe(2); // the session file and the claim book, once each
  });

  test("test_open_truncatesTornLastLine", async () => {
    const directory = await temporaryDirectory();
    directories.push(directory);
    let store = await openStore(directory);
    await store.append(makeRelayRecord({ session: 2n, nonce: 1n }));
    await store.close();
    const file = join(directory, "relays", "2.jsonl");
    const good = (await stat(file)).size;
    await appendFile(file, '{"relayKey":"0xab');
    store = await openStore(directory);
    expect((await stat(file)).size).toBe(good);
    expect(store.stats().repairedFiles).toBe(1);
    await store.append(makeRelayRecord({ session: 2n, nonce: 2n }));
    expect(await collect(store, 2n)).toHaveLength(2);
  });

  test("test_readSession_corruptMiddleLine_namesFileAndLine", async () => {
    const directory = await temporaryDirectory();
    directories.push(directory);
    let store = await openStore(directory);
    await store.append(makeRelayRecord({ session: 2n, nonce: 1n }));
    await store.close();
    const file = join(directory, "relays", "2.jsonl");
    await appendFile(file, '{"relayKey":"0x00"}\n');
    store = await openStore(directory);
    await store.append(makeRelayRecord({ session: 2n, nonce: 3n }));
    const error = await collect(store, 2n).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RelayStoreCorruptError);
    expect((error as RelayStoreCorruptError).file).toBe(file);
    expect((error as RelayStoreCorruptError).line).toBe(2);
    expect((error as Error).message).toContain(`${file} at line 2`);
  });

  test("test_open_corruptClaimBook_namesFileAndLine", async () => {
    const directory = await temporaryDirectory();
    directories.push(directory);
    const store = await openStore(directory);
    await store.putClaim(makeClaimState({ session: 1n }));
    await store.close();
    await appendFile(join(directory, "claims.jsonl"), "not json\n");
    const reopened = new FileRelayStore({ directory });
    const error = await reopened.open().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RelayStoreCorruptError);
    expect((error as RelayStoreCorruptError).line).toBe(2);
    // The failed open released the lock.
    await writeFile(join(directory, "claims.jsonl"), "");
    await openStore(directory);
  });

  test("test_open_compactsClaimBook", async () => {
    const directory = await temporaryDirectory();
    directories.push(directory);
    let store = await openStore(directory);
    const claim = makeClaimState({ session: 1n });
    for (let index = 0; index < 100; index += 1) await store.putClaim({ ...claim, updatedAt: index });
    await store.close();
    store = await openStore(directory);
    const text = await readFile(join(directory, "claims.jsonl"), "utf8");
    expect(text.trim().split("\n")).toHaveLength(1);
    expect((await store.getClaim(claim.claimKey))?.updatedAt).toBe(99);
  });

  test("test_open_unusableDirectory_throwsDirectoryError", async () => {
    const directory = await temporaryDirectory();
    directories.push(directory);
    const file = join(directory, "a-file");
    await writeFile(file, "x");
    const store = new FileRelayStore({ directory: join(file, "store") });
    const error = await store.open().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RelayStoreDirectoryError);
    expect((error as Error).message).toContain("not a directory");
  });

  test("test_open_lockedDirectory_throwsLockedError_untilClosed", async () => {
    const directory = await temporaryDirectory();
    directories.push(directory);
    const first = await openStore(directory);
    await expect(new FileRelayStore({ directory }).open()).rejects.toBeInstanceOf(RelayStoreLockedError);
    await first.close();
    await openStore(directory);
  });

  test("test_open_staleLockOfDeadProcess_isTakenOver", async () => {
    const directory = await temporaryDirectory();
    directories.push(directory);
    await writeFile(join(directory, "LOCK"), "2147483646\n");
    const store = await openStore(directory);
    expect(await store.sessions()).toEqual([]);
  });
});
