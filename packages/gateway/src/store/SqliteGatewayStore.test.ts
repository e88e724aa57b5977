import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import { GatewayStoreConfigError, GatewayStoreError } from "./errors.ts";
import { describeGatewayStoreConformance } from "./gatewayStore.conformance.ts";
import { T0 } from "./gatewayStore.fixtures.ts";
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
      "--import",
      "tsx",
      fileURLToPath(new URL("./SqliteGatewayStore.replica.child.ts", import.meta.url)),
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

  test("test_reopen_keepsKeysSpendAndReceipts", async () => {
    const path = join(temporaryDirectory(), "gateway.db");
    let store = new SqliteGatewayStore({ path });
    await store.migrate();
    const { key, record } = await store.createKey({ name: "durable", budgetWei: 2n ** 100n });
    await store.admit(record.id, 0, 5n, T0);
    await store.close();
    store = new SqliteGatewayStore({ path });
    await store.migrate();
    expect(await store.authenticate(key)).toEqual(record);
    await store.close();
  });
});
