import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import { describeGatewayStoreConformance } from "../../test/store/gatewayStore.conformance.ts";
import { crashAfterAdmit } from "../../test/store/gatewayStore.crash.fixtures.ts";
import { makeReceiptRecord, T0 } from "../../test/store/gatewayStore.fixtures.ts";
import { GatewayStoreConfigError, GatewayStoreError } from "./errors.ts";
import { DEFAULT_RESERVATION_TTL_MS } from "./GatewayStore.ts";
import { SqliteGatewayStore } from "./SqliteGatewayStore.ts";

const directories: string[] = [];
function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "aviary-gateway-store-"));
  directories.push(directory);
  return directory;
}
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describeGatewayStoreConformance("SqliteGatewayStore (file)", async () => {
  const directory = mkdtempSync(join(tmpdir(), "aviary-gateway-store-"));
  const path = join(directory, "gateway.db");
  return {
    store: new SqliteGatewayStore({ path }),
    second: async () => new SqliteGatewayStore({ path }),
    rawContents: async () =>
      [path, `${path}-wal`, `${path}-journal`]
        .filter((file) => existsSync(file))
        .map((file) => readFileSync(file).toString("latin1"))
        .join("\n"),
    cleanup: async () => rmSync(directory, { recursive: true, force: true }),
  };
});

describeGatewayStoreConformance("SqliteGatewayStore (:memory:)", async () => ({
  store: new SqliteGatewayStore({ path: ":memory:" }),
  cleanup: async () => {},
}));

const WINDOWS = 40;
const ATTEMPTS = 10;

/** Starts one replica process; resolves once it is ready, with a function that lets it run and returns its counts. */
async function startReplicaProcess(path: string, keyId: string) {
  const child = spawn(
    process.execPath,
    [
      "--conditions=aviary-source",
      "--import",
      "tsx",
      fileURLToPath(new URL("../../test/store/SqliteGatewayStore.replica.child.ts", import.meta.url)),
      path,
      keyId,
      String(T0),
      String(WINDOWS),
      String(ATTEMPTS),
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("ready\n")) resolve();
    });
    void exited.then((code) => reject(new Error(`replica exited early (${code}): ${stderr}`)));
  });
  return {
    run: async (startAt: number): Promise<number[]> => {
      child.stdin.write(`${startAt}\n`);
      const code = await exited;
      if (code !== 0) throw new Error(`replica failed (${code}): ${stderr}`);
      return JSON.parse(stdout.trim().split("\n").at(-1) ?? "[]") as number[];
    },
  };
}

describe("SqliteGatewayStore", () => {
  test("test_admit_twoProcessesOnOneFile_eachWindowAdmitsExactlyTheLimit", async () => {
    const path = join(temporaryDirectory(), "gateway.db");
    const store = new SqliteGatewayStore({ path });
    await store.migrate();
    const { record } = await store.createKey({ name: "fleet", requestsPerMinute: 5 });
    const replicas = await Promise.all([0, 1].map(() => startReplicaProcess(path, record.id)));
    const startAt = Date.now() + 200;
    const [first = [], second = []] = await Promise.all(replicas.map((replica) => replica.run(startAt)));
    // Each process tried 10 times in each of 40 windows, round-robin; together they got exactly 5 per window.
    expect(first.map((count, window) => count + (second[window] ?? Number.NaN))).toEqual(
      Array(WINDOWS).fill(5),
    );
    const shared = first.filter((count) => count > 0 && count < 5).length;
    console.info(`two processes: ${shared} of ${WINDOWS} windows were split between them`);
    await store.close();
  }, 30_000);

  test("test_open_usesWalAndBusyTimeout", async () => {
    const path = join(temporaryDirectory(), "gateway.db");
    const store = new SqliteGatewayStore({ path, busyTimeoutMs: 1234 });
    await store.migrate();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
    await store.close();
  });

  test("test_admit_whileAnotherConnectionHoldsTheWriteLock_throwsRetryableError", async () => {
    const path = join(temporaryDirectory(), "gateway.db");
    const store = new SqliteGatewayStore({ path, busyTimeoutMs: 50 });
    await store.migrate();
    const { record } = await store.createKey({ name: "k" });
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    try {
      const error = await store.admit(record.id, 1, 0n, T0).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(GatewayStoreError);
      expect((error as GatewayStoreError).isRetryable).toBe(true);
      expect((error as GatewayStoreError).operation).toBe("admit");
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect(await store.admit(record.id, 1, 0n, T0)).toEqual({ allowed: true, windowStart: T0 });
    await store.close();
  });

  test("test_open_missingDirectory_throwsConfigError", () => {
    const path = join(temporaryDirectory(), "no", "such", "gateway.db");
    expect(() => new SqliteGatewayStore({ path })).toThrow(GatewayStoreConfigError);
    expect(() => new SqliteGatewayStore({ reservationTtlMs: 10 })).toThrow(GatewayStoreConfigError);
  });

  test("test_reopen_keepsKeysSpendAndReceipts_chargesReservationsLeftUnsettled", async () => {
    const path = join(temporaryDirectory(), "gateway.db");
    let store = new SqliteGatewayStore({ path });
    await store.migrate();
    const { key, record } = await store.createKey({ name: "durable", budgetWei: 2n ** 100n });
    await store.admit(record.id, 0, 5n, T0);
    const receipt = makeReceiptRecord();
    void store.putReceipt(receipt);
    await store.close();
    store = new SqliteGatewayStore({ path });
    await store.migrate();
    // The admission at T0 was never settled: reopening (long after its TTL) charged it.
    expect(await store.authenticate(key)).toEqual({ ...record, spentWei: 5n });
    expect(await store.receiptsFor({})).toEqual([receipt]);
    await store.close();
  });

  test("test_crashBetweenAdmitAndCommit_reopened_keyIsChargedItsReservation", async () => {
    const path = join(temporaryDirectory(), "gateway.db");
    const store = new SqliteGatewayStore({ path });
    await store.migrate();
    const { record } = await store.createKey({ name: "crash", budgetWei: 10_000n });
    await crashAfterAdmit("sqlite", path, record.id);
    // The replica died with its usage and receipt queued: neither was written…
    expect(await store.usage({})).toEqual([]);
    expect(await store.receiptsFor({})).toEqual([]);
    expect((await store.listKeys())[0]?.spentWei).toBe(0n);
    await store.close();
    // …and the restart charges the reservation it had admitted (the worst case: 700, not the 300 it used).
    const reopened = new SqliteGatewayStore({ path });
    await reopened.migrate();
    expect((await reopened.listKeys())[0]?.spentWei).toBe(700n);
    expect(await reopened.reservationExpiries({})).toMatchObject([
      { keyId: record.id, windowStart: T0, requests: 1, tokens: 25, chargedWei: 700n },
    ]);
    await reopened.close();
  }, 30_000);

  test("test_migrate_fileOfThePreviousSchema_addsTheReservationColumns", async () => {
    const path = join(temporaryDirectory(), "gateway.db");
    const old = new Database(path);
    old.exec(`CREATE TABLE gateway_api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, prefix TEXT NOT NULL UNIQUE,
      key_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, revoked_at INTEGER, budget_wei TEXT,
      spent_wei TEXT NOT NULL, requests_per_minute INTEGER, tokens_per_minute INTEGER) STRICT;
      CREATE TABLE gateway_rate_windows (key_id TEXT NOT NULL REFERENCES gateway_api_keys (id),
      window_start INTEGER NOT NULL, requests INTEGER NOT NULL, tokens INTEGER NOT NULL, reserved_wei TEXT NOT NULL,
      PRIMARY KEY (key_id, window_start)) STRICT, WITHOUT ROWID;
      INSERT INTO gateway_api_keys VALUES ('old', 'old', 'avy_abcd', 'hash', 1, NULL, NULL, '10', NULL, NULL);
      INSERT INTO gateway_rate_windows VALUES ('old', ${T0}, 1, 5, '90');`);
    old.close();
    const store = new SqliteGatewayStore({ path });
    await store.migrate();
    // The old reservation (made before requests were counted) was charged on migrate.
    expect((await store.listKeys())[0]?.spentWei).toBe(100n);
    expect(await store.admit("old", 1, 1n)).toMatchObject({ allowed: true });
    await store.close();
  });

  test("test_crashBetweenAdmitAndCommit_otherReplicaChargesAtExpiry", async () => {
    const path = join(temporaryDirectory(), "gateway.db");
    const store = new SqliteGatewayStore({ path });
    await store.migrate();
    const { record } = await store.createKey({ name: "crash", budgetWei: 1000n });
    await crashAfterAdmit("sqlite", path, record.id);
    // A surviving replica, never restarted: the key's next admission after the TTL charges the reservation.
    const later = T0 + DEFAULT_RESERVATION_TTL_MS;
    expect(await store.admit(record.id, 0, 301n, later)).toMatchObject({ allowed: false, reason: "budget" });
    expect((await store.listKeys())[0]?.spentWei).toBe(700n);
    expect(await store.admit(record.id, 0, 300n, later)).toMatchObject({ allowed: true });
    await store.close();
  }, 30_000);
});
