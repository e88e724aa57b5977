import pg from "pg";
import type {
  SqlDialect,
  SqlDriver,
  SqlErrorDescription,
  SqlExecutor,
  SqlRow,
  SqlValue,
} from "./SqlDriver.ts";

/** Options of {@link createPostgresDriver}. */
export type CreatePostgresDriverParameters = {
  /** `postgres://user:password@host:port/database` (or `postgresql://…`). */
  url: string;
  /** Connections in this replica's pool. Default 10. */
  poolSize?: number;
  /** How long to wait for a connection before failing (retryably). Default 10 000. */
  connectionTimeoutMs?: number;
};

/** Any constant: the advisory lock that serializes concurrent `migrate()` calls. */
const MIGRATE_LOCK = 0x61766961; // "avia"

/** PostgreSQL's spelling of the store's SQL differences. */
export const postgresDialect: SqlDialect = {
  name: "postgres",
  types: {
    bigInteger: "BIGINT",
    wei: "NUMERIC(78, 0)",
    session: "NUMERIC(78, 0)",
    boolean: "BOOLEAN",
    real: "DOUBLE PRECISION",
    serialPrimaryKey: "seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    keySequence: "seq BIGINT GENERATED ALWAYS AS IDENTITY,",
    tableOptions: "",
    keyedTableOptions: "",
  },
  forUpdate: " FOR UPDATE",
  keyInsertionOrder: "seq",
  encodeSession: (session) => session.toString(),
  columnsOf:
    "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?",
  migrationLock: `SELECT pg_advisory_xact_lock(${MIGRATE_LOCK})`,
};

const RETRYABLE_NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);
/** SQLSTATEs worth a retry: shutdown/startup, too many connections, serialization, deadlock, lock/statement timeout. */
const RETRYABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "40001", "40P01", "55P03", "57014"]);

/**
 * Whether a pg error is a lost/refused connection or a transient conflict, where retrying may succeed.
 *
 * @example
 * ```ts
 * isRetryablePostgresError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })) // true
 * ```
 */
export function isRetryablePostgresError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (RETRYABLE_NODE_CODES.has(code) || RETRYABLE_SQLSTATES.has(code) || code.startsWith("08")) return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    error.message,
  );
}

function sqlState(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}

/** The URL without its password, for error messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/** `?` placeholders as PostgreSQL's `$1, $2, …` (the store's SQL has no `?` inside literals). */
const numbered = new Map<string, string>();
function toNumberedPlaceholders(sql: string): string {
  let converted = numbered.get(sql);
  if (converted === undefined) {
    let index = 0;
    converted = sql.replace(/\?/g, () => `$${++index}`);
    numbered.set(sql, converted);
  }
  return converted;
}

function bind(parameters: readonly SqlValue[]): unknown[] {
  return parameters.map((value) => (typeof value === "bigint" ? value.toString() : value));
}

function executorOf(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async query<Row extends SqlRow>(sql: string, parameters: readonly SqlValue[] = []) {
      return (await client.query<Row>(toNumberedPlaceholders(sql), bind(parameters))).rows;
    },
    async run(sql, parameters = []) {
      return (await client.query(toNumberedPlaceholders(sql), bind(parameters))).rowCount ?? 0;
    },
    async exec(sql) {
      await client.query(sql);
    },
  };
}

/**
 * A {@link SqlDriver} over a `pg` pool. Each transaction runs on one pooled connection; a connection that
 * breaks inside one is destroyed, not returned to the pool. Nothing connects until the first call.
 *
 * @example
 * ```ts
 * const driver = createPostgresDriver({ url: "postgres://aviary@db.internal:5432/gateway" });
 * await driver.transaction((executor) => executor.run("UPDATE …", [1]));
 * ```
 */
export function createPostgresDriver(parameters: CreatePostgresDriverParameters): SqlDriver {
  const url = redactUrl(parameters.url);
  const pool = new pg.Pool({
    connectionString: parameters.url,
    max: parameters.poolSize ?? 10,
    connectionTimeoutMillis: parameters.connectionTimeoutMs ?? 10_000,
  });
  // An idle connection that breaks (server restart) must not crash the process: the pool drops it, and the
  // next operation connects again or fails with a retryable GatewayStoreError.
  pool.on("error", () => {});
  const poolExecutor = executorOf(pool);

  return {
    dialect: postgresDialect,
    ...poolExecutor,
    async transaction(body) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // A checked-out pg client emits "error" when its connection dies (server restart, failover, terminated
      // backend); unheard, that event would crash the process. The failing query rejects as well.
      const onError = (error: Error) => {
        broken = error;
      };
      client.on("error", onError);
      try {
        await client.query("BEGIN");
        const result = await body(executorOf(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        if (!broken) {
          try {
            await client.query("ROLLBACK");
          } catch (rollbackError) {
            // The connection is unusable: destroy it rather than return it to the pool.
            broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
          }
        }
        throw error;
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
    },
    isUniqueViolation: (error) => sqlState(error) === "23505",
    describeError(error): SqlErrorDescription {
      const code = sqlState(error);
      return {
        isRetryable: isRetryablePostgresError(error),
        metaMessages: [...(code ? [`PostgreSQL: ${code}`] : []), `Database: ${url}`],
      };
    },
    close: () => pool.end(),
  };
}
