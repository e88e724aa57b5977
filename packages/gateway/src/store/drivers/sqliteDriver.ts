import { resolve } from "node:path";
import Database from "better-sqlite3";
import { GatewayStoreConfigError, toGatewayStoreError } from "../errors.ts";
import type {
  SqlDialect,
  SqlDriver,
  SqlErrorDescription,
  SqlExecutor,
  SqlRow,
  SqlValue,
} from "./SqlDriver.ts";

/** Options of {@link createSqliteDriver}. */
export type CreateSqliteDriverParameters = {
  /** Database file (created if missing; its directory must exist), or `":memory:"`. */
  path: string;
  /** How long a write waits for another connection's transaction before failing (retryably). Default 5000. */
  busyTimeoutMs?: number;
  /** `"normal"` (default) or `"full"`: see `SqliteGatewayStoreOptions.synchronous`. */
  synchronous?: "normal" | "full";
};

/** Sessions are zero-padded to 78 digits (any uint256) so that text order is numeric order. */
const SESSION_DIGITS = 78;

/** SQLite's spelling of the store's SQL differences. */
export const sqliteDialect: SqlDialect = {
  name: "sqlite",
  types: {
    bigInteger: "INTEGER",
    wei: "TEXT",
    session: "TEXT",
    boolean: "INTEGER",
    real: "REAL",
    serialPrimaryKey: "seq INTEGER PRIMARY KEY",
    keySequence: "",
    tableOptions: " STRICT",
    keyedTableOptions: " STRICT, WITHOUT ROWID",
  },
  forUpdate: "",
  keyInsertionOrder: "rowid",
  encodeSession: (session) => session.toString().padStart(SESSION_DIGITS, "0"),
  columnsOf: "SELECT name FROM pragma_table_info(?)",
  migrationLock: "",
};

/**
 * One queue per database file in this process: a connection waiting for SQLite's write lock blocks the event
 * loop, so if two connections of one process (replicas in a test) interleaved their transactions, the waiting
 * one would block the holder from ever finishing. Each call starts after the previous one on the file settled.
 */
const fileQueues = new Map<string, { tail: Promise<unknown> }>();
function queueOf(path: string): { tail: Promise<unknown> } {
  // Every ":memory:" connection is a database of its own.
  if (path === ":memory:" || path === "") return { tail: Promise.resolve() };
  const file = resolve(path);
  let queue = fileQueues.get(file);
  if (!queue) {
    queue = { tail: Promise.resolve() };
    fileQueues.set(file, queue);
  }
  return queue;
}

function bind(parameters: readonly SqlValue[]): (string | number | null)[] {
  return parameters.map((value) =>
    typeof value === "bigint" ? value.toString() : typeof value === "boolean" ? (value ? 1 : 0) : value,
  );
}

/**
 * A {@link SqlDriver} over one better-sqlite3 connection in WAL mode. better-sqlite3 is synchronous; the
 * store's SQL is asynchronous (it is shared with PostgreSQL), so a transaction's body yields between
 * statements. Calls are therefore queued: one transaction or statement at a time on the connection, so no
 * other call's statement can land inside an open transaction. Waiting for another process's write lock
 * (up to `busyTimeoutMs`) blocks the event loop; transactions are a few statements, so waits are short.
 *
 * @throws GatewayStoreConfigError when the file cannot be opened.
 * @example
 * ```ts
 * const driver = createSqliteDriver({ path: "/var/lib/aviary/gateway.db" });
 * const rows = await driver.query("SELECT 1 AS one");
 * ```
 */
export function createSqliteDriver(parameters: CreateSqliteDriverParameters): SqlDriver & { path: string } {
  const { path } = parameters;
  let database: Database.Database;
  try {
    database = new Database(path);
  } catch (error) {
    throw new GatewayStoreConfigError({
      reason: `cannot open SQLite database ${path}`,
      hint: "The file's directory must exist and be writable.",
      cause: error,
    });
  }
  const describeError = (error: unknown): SqlErrorDescription => {
    const code = error instanceof Database.SqliteError ? error.code : undefined;
    return {
      isRetryable: code !== undefined && /^SQLITE_(BUSY|LOCKED)/.test(code),
      ...(code ? { metaMessages: [`SQLite: ${code}`, `Database: ${path}`] } : {}),
    };
  };
  try {
    database.pragma(`busy_timeout = ${Math.max(0, Math.trunc(parameters.busyTimeoutMs ?? 5000))}`);
    database.pragma("journal_mode = WAL");
    database.pragma(`synchronous = ${parameters.synchronous === "full" ? "FULL" : "NORMAL"}`);
    database.pragma("foreign_keys = ON");
  } catch (error) {
    database.close();
    throw toGatewayStoreError("open", error, describeError(error));
  }

  const statements = new Map<string, Database.Statement>();
  const statement = (sql: string): Database.Statement => {
    let prepared = statements.get(sql);
    if (!prepared) {
      prepared = database.prepare(sql);
      statements.set(sql, prepared);
    }
    return prepared;
  };
  const executor: SqlExecutor = {
    async query<Row extends SqlRow>(sql: string, parameters: readonly SqlValue[] = []) {
      return statement(sql).all(...bind(parameters)) as Row[];
    },
    async run(sql, parameters = []) {
      return statement(sql).run(...bind(parameters)).changes;
    },
    async exec(sql) {
      database.exec(sql);
    },
  };

  const queue = queueOf(path);
  const exclusive = <T>(body: () => Promise<T>): Promise<T> => {
    const result = queue.tail.then(body);
    queue.tail = result.catch(() => {});
    return result;
  };

  return {
    path,
    dialect: sqliteDialect,
    query: (sql, parameters) => exclusive(() => executor.query(sql, parameters)),
    run: (sql, parameters) => exclusive(() => executor.run(sql, parameters)),
    exec: (sql) => exclusive(() => executor.exec(sql)),
    transaction: (body) =>
      exclusive(async () => {
        statement("BEGIN IMMEDIATE").run();
        try {
          const result = await body(executor);
          statement("COMMIT").run();
          return result;
        } catch (error) {
          if (database.inTransaction) statement("ROLLBACK").run();
          throw error;
        }
      }),
    isUniqueViolation: (error) =>
      error instanceof Database.SqliteError && error.code === "SQLITE_CONSTRAINT_UNIQUE",
    describeError,
    close: () =>
      exclusive(async () => {
        statements.clear();
        database.close();
      }),
  };
}
