import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createGatewayStore } from "./createGatewayStore.ts";
import { GatewayStoreConfigError } from "./errors.ts";
import { PostgresGatewayStore } from "./PostgresGatewayStore.ts";
import { SqliteGatewayStore } from "./SqliteGatewayStore.ts";

describe("createGatewayStore", () => {
  test("test_createGatewayStore_noOptions_isSqliteInMemory", async () => {
    const store = createGatewayStore();
    expect(store).toBeInstanceOf(SqliteGatewayStore);
    expect((store as SqliteGatewayStore).path).toBe(":memory:");
    await store.migrate();
    expect(await store.listKeys()).toEqual([]);
    await store.close();
  });

  test("test_createGatewayStore_pathOrSqliteUrl_isSqliteAtThatFile", async () => {
    const directory = mkdtempSync(join(tmpdir(), "aviary-create-store-"));
    try {
      const file = join(directory, "gateway.db");
      for (const options of [{ path: file }, { url: `sqlite:${file}` }, { url: `sqlite://${file}` }]) {
        const store = createGatewayStore(options);
        expect((store as SqliteGatewayStore).path).toBe(file);
        await store.close();
      }
      const memory = createGatewayStore({ url: "sqlite::memory:" });
      expect((memory as SqliteGatewayStore).path).toBe(":memory:");
      await memory.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("test_createGatewayStore_postgresUrl_isPostgresWithoutConnecting", async () => {
    for (const url of [
      "postgres://aviary:secret@db.internal:5432/gateway",
      "postgresql://aviary@127.0.0.1/gateway",
      "POSTGRESQL:///gateway?host=/var/run/postgresql",
    ]) {
      const store = createGatewayStore({ url, poolSize: 2 });
      expect(store).toBeInstanceOf(PostgresGatewayStore);
      await store.close();
    }
  });

  test("test_createGatewayStore_badOptions_throwConfigErrorWithoutThePassword", () => {
    const cases: [Parameters<typeof createGatewayStore>[0], RegExp][] = [
      [{ url: "mysql://root:hunter2@db/gateway" }, /unsupported database URL scheme "mysql:"/],
      [{ url: "db.internal:5432" }, /unsupported database URL scheme "db.internal:"/],
      [{ url: "just-a-name" }, /has no scheme/],
      [{ url: "postgres://aviary:hunter2@[bad/gateway" }, /malformed/],
      [{ url: "postgres://" }, /no host/],
      [{ url: "postgres://x@h/db", path: "/tmp/x.db" }, /both/],
      [{ url: "" }, /url/],
      [{ reservationTtlMs: 5 }, /reservationTtlMs/],
      [{ path: "/no/such/directory/gateway.db" }, /cannot open SQLite database/],
      [{ nonsense: true } as never, /nonsense/],
    ];
    for (const [options, message] of cases) {
      let caught: unknown;
      try {
        createGatewayStore(options);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(options)).toBeInstanceOf(GatewayStoreConfigError);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).message).not.toContain("hunter2");
    }
  });
});
