import {
  createTemporaryDatabase,
  postgresAvailability,
  startTemporaryPostgres,
  type TemporaryPostgres,
} from "@aviary/testkit/postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { describeGatewayStoreConformance } from "../../test/store/gatewayStore.conformance.ts";
import { crashAfterAdmit } from "../../test/store/gatewayStore.crash.fixtures.ts";
import { T0 } from "../../test/store/gatewayStore.fixtures.ts";
import { GatewayStoreError } from "./errors.ts";
import { isRetryablePostgresError, PostgresGatewayStore } from "./PostgresGatewayStore.ts";

const availability = postgresAvailability();
if (!availability.available) {
  console.warn(`PostgresGatewayStore tests skipped: ${availability.reason}.`);
}

/** Every row of every table of the database, as PostgreSQL's text form. */
async function dumpDatabase(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    const lines: string[] = [];
    for (const { table_name: table } of tables) {
      const { rows } = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${table}" t`);
      lines.push(...rows.map((row) => `${table}: ${row.row}`));
    }
    return lines.join("\n");
  } finally {
    await client.end();
  }
}

/** Deletes every row of the gateway tables (all tables of the public schema). */
async function emptyDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    if (tables.length === 0) return;
    const names = tables.map(({ table_name: table }) => `"${table}"`).join(", ");
    await client.query(`TRUNCATE ${names} RESTART IDENTITY CASCADE`);
  } finally {
    await client.end();
  }
}

describe.skipIf(!availability.available)("PostgresGatewayStore", () => {
  let server: TemporaryPostgres | undefined;
  let conformanceDatabase: { url: string; drop(): Promise<void> } | undefined;

  beforeAll(async () => {
    server = await startTemporaryPostgres();
    conformanceDatabase = await createTemporaryDatabase(server.url);
  }, 60_000);

  afterAll(async () => {
    await conformanceDatabase?.drop();
    await server?.stop();
  });

  function serverUrl(): string {
    if (!server) throw new Error("the temporary PostgreSQL server did not start");
    return server.url;
  }

  // One database for the whole suite, emptied after each test: an order of magnitude cheaper than a CREATE
  // DATABASE per test. (A fresh database is exercised by the migrate test below.)
  describeGatewayStoreConformance("PostgresGatewayStore", async () => {
    const url = conformanceDatabase?.url;
    if (!url) throw new Error("the conformance database was not created");
    return {
      store: new PostgresGatewayStore({ url }),
      second: async () => new PostgresGatewayStore({ url }),
      rawContents: () => dumpDatabase(url),
      cleanup: () => emptyDatabase(url),
    };
  });

  test("test_migrate_concurrentlyFromFourReplicasOnAFreshDatabase_succeeds", async () => {
    const database = await createTemporaryDatabase(serverUrl());
    const stores = Array.from(
      { length: 4 },
      () => new PostgresGatewayStore({ url: database.url, poolSize: 2 }),
    );
    try {
      await Promise.all(stores.map((store) => store.migrate()));
      const [first, second] = stores as [PostgresGatewayStore, PostgresGatewayStore];
      const { key, record } = await first.createKey({ name: "k", requestsPerMinute: 1 });
      expect(await second.authenticate(key)).toEqual(record);
      expect(await second.admit(record.id, 0, 0n, T0)).toEqual({ allowed: true, windowStart: T0 });
    } finally {
      for (const store of stores) await store.close();
      await database.drop();
    }
  });

  test("test_crashBetweenAdmitAndCommit_restartChargesTheReservation", async () => {
    const database = await createTemporaryDatabase(serverUrl());
    const store = new PostgresGatewayStore({ url: database.url, poolSize: 2 });
    try {
      await store.migrate();
      const { record } = await store.createKey({ name: "crash", budgetWei: 10_000n });
      await crashAfterAdmit("postgres", database.url, record.id);
      expect(await store.usage({})).toEqual([]);
      expect(await store.receiptsFor({})).toEqual([]);
      expect((await store.listKeys())[0]?.spentWei).toBe(0n);
      // A restarting replica migrates, which charges what the crash left unsettled.
      const restarted = new PostgresGatewayStore({ url: database.url, poolSize: 2 });
      await restarted.migrate();
      await restarted.close();
      expect((await store.listKeys())[0]?.spentWei).toBe(700n);
      expect(await store.reservationExpiries({ keyId: record.id })).toMatchObject([
        { windowStart: T0, requests: 1, tokens: 25, chargedWei: 700n, settledWei: 0n },
      ]);
    } finally {
      await store.close();
      await database.drop();
    }
  }, 30_000);

  test("test_migrate_databaseOfThePreviousSchema_addsTheReservationColumns", async () => {
    const database = await createTemporaryDatabase(serverUrl());
    const client = new pg.Client({ connectionString: database.url });
    const store = new PostgresGatewayStore({ url: database.url, poolSize: 2 });
    try {
      await client.connect();
      await client.query(`CREATE TABLE gateway_api_keys (seq BIGINT GENERATED ALWAYS AS IDENTITY, id TEXT PRIMARY KEY,
        name TEXT NOT NULL, prefix TEXT NOT NULL UNIQUE, key_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL,
        revoked_at BIGINT, budget_wei NUMERIC(78, 0), spent_wei NUMERIC(78, 0) NOT NULL, requests_per_minute INTEGER,
        tokens_per_minute BIGINT);
        CREATE TABLE gateway_rate_windows (key_id TEXT NOT NULL REFERENCES gateway_api_keys (id),
        window_start BIGINT NOT NULL, requests INTEGER NOT NULL, tokens BIGINT NOT NULL,
        reserved_wei NUMERIC(78, 0) NOT NULL, PRIMARY KEY (key_id, window_start));
        INSERT INTO gateway_api_keys (id, name, prefix, key_hash, created_at, spent_wei)
          VALUES ('old', 'old', 'avy_abcd', 'hash', 1, 10);
        INSERT INTO gateway_rate_windows VALUES ('old', ${T0}, 1, 5, 90);`);
      await store.migrate();
      // The old reservation (made before requests were counted) was charged on migrate.
      expect((await store.listKeys())[0]?.spentWei).toBe(100n);
      expect(await store.admit("old", 1, 1n, Date.now())).toMatchObject({ allowed: true });
    } finally {
      await client.end();
      await store.close();
      await database.drop();
    }
  });

  test("test_admit_connectionKilledMidTransaction_throwsRetryableErrorThenRecovers", async () => {
    const database = await createTemporaryDatabase(serverUrl());
    const store = new PostgresGatewayStore({ url: database.url, poolSize: 1 });
    const holder = new pg.Client({ connectionString: database.url });
    const admin = new pg.Client({ connectionString: serverUrl() });
    try {
      await store.migrate();
      const { record } = await store.createKey({ name: "k" });
      // Another session holds the key's row, so the admission waits inside its transaction…
      await holder.connect();
      await holder.query("BEGIN");
      await holder.query("SELECT id FROM gateway_api_keys WHERE id = $1 FOR UPDATE", [record.id]);
      const admitted = store.admit(record.id, 1, 0n, T0).catch((caught: unknown) => caught);
      // …when its connection dies (what a server restart or a failover does).
      await admin.connect();
      for (let terminated = 0; terminated === 0; ) {
        const { rowCount } = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = $1 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          [new URL(database.url).pathname.slice(1)],
        );
        terminated = rowCount ?? 0;
        if (!terminated) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const error = await admitted;
      expect(error).toBeInstanceOf(GatewayStoreError);
      expect((error as GatewayStoreError).isRetryable).toBe(true);
      expect((error as GatewayStoreError).operation).toBe("admit");
      await holder.query("ROLLBACK");
      // The broken connection was dropped, not pooled: the next call reconnects, and nothing was reserved.
      expect(await store.admit(record.id, 1, 0n, T0)).toEqual({ allowed: true, windowStart: T0 });
    } finally {
      await holder.end().catch(() => {});
      await admin.end().catch(() => {});
      await store.close();
      await database.drop();
    }
  });
});

describe("PostgresGatewayStore without a server", () => {
  test("test_migrate_connectionRefused_throwsRetryableGatewayStoreError", async () => {
    const store = new PostgresGatewayStore({
      url: "postgresql://aviary:secret-password@127.0.0.1:1/gateway",
      connectionTimeoutMs: 2000,
    });
    const error = await store.migrate().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayStoreError);
    expect((error as GatewayStoreError).isRetryable).toBe(true);
    expect((error as GatewayStoreError).operation).toBe("migrate");
    expect((error as Error).message).not.toContain("secret-password");
    await store.close();
  });

  test("test_isRetryablePostgresError_classifiesConnectionAndConflictErrors", () => {
    const withCode = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ["ECONNREFUSED", "ECONNRESET", "08006", "57P01", "40001", "40P01"]) {
      expect(isRetryablePostgresError(withCode(code)), code).toBe(true);
    }
    for (const code of ["23505", "42P01", "22P02"]) {
      expect(isRetryablePostgresError(withCode(code)), code).toBe(false);
    }
    expect(isRetryablePostgresError(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isRetryablePostgresError("nope")).toBe(false);
  });
});
