/**
 * The boundary between the gateway store's SQL (written once, in `../sql/`) and a database driver. The SQL uses
 * `?` placeholders and the subset both SQLite and PostgreSQL accept (`ON CONFLICT … DO NOTHING / DO UPDATE`,
 * `RETURNING`); what differs is named in the {@link SqlDialect}, and value conversions (bigints, booleans) are
 * the driver's.
 * @module
 */

/** A parameter: bigints are sent as decimal text, booleans as the database's booleans. */
export type SqlValue = string | number | bigint | boolean | null;

/** A result row, by column name. Integers may come back as numbers or as decimal text (PostgreSQL BIGINT). */
export type SqlRow = Record<string, unknown>;

/** Runs statements, on a connection or inside a transaction. */
export interface SqlExecutor {
  /** Rows of a `SELECT` (or of a statement with `RETURNING`). */
  query<Row extends SqlRow>(sql: string, parameters?: readonly SqlValue[]): Promise<Row[]>;
  /** Runs a statement; returns how many rows it changed. */
  run(sql: string, parameters?: readonly SqlValue[]): Promise<number>;
  /** Runs statements separated by `;`, without parameters (schema). */
  exec(sql: string): Promise<void>;
}

/** What the store needs to know of a failed driver call. */
export type SqlErrorDescription = {
  /** Lost connection, timeout, busy or locked database, serialization failure: trying again may succeed. */
  isRetryable: boolean;
  /** Shown under the error (`SQLite: SQLITE_BUSY`, `Database: …`). */
  metaMessages?: string[];
};

/**
 * Where the two databases' SQL differs. Column types are spelled per database; everything else is one text.
 */
export type SqlDialect = {
  name: "sqlite" | "postgres";
  types: {
    /** 64-bit integer (times, token counts). */
    bigInteger: string;
    /** uint256 amount. */
    wei: string;
    /** uint256 session number, ordered numerically. */
    session: string;
    boolean: string;
    real: string;
    /** An auto-numbered primary key column, `seq`. */
    serialPrimaryKey: string;
    /** The first column of the keys table that numbers rows in insertion order (empty where rows have one). */
    keySequence: string;
    /** Appended to `CREATE TABLE (…)`. */
    tableOptions: string;
    /** Appended to `CREATE TABLE (…)` of a table keyed by its primary key only. */
    keyedTableOptions: string;
  };
  /** Appended to a `SELECT` of one key's row inside a transaction to lock it until commit (or empty). */
  forUpdate: string;
  /** The keys table's insertion-order column. */
  keyInsertionOrder: string;
  /** A session as stored in `gateway_receipts.session` (whose order must be numeric). */
  encodeSession(session: bigint): string;
  /** A query with one parameter, a table name, whose rows are `{ name }` of that table's columns. */
  columnsOf: string;
  /** A statement run first in `migrate`'s transaction to serialize migrations (empty where the transaction does). */
  migrationLock: string;
};

/**
 * A database connection (or pool) the gateway store runs its SQL over. Errors come out as the driver threw
 * them; the store turns them into `GatewayStoreError`s with {@link SqlDriver.describeError}.
 */
export interface SqlDriver extends SqlExecutor {
  readonly dialect: SqlDialect;
  /**
   * Runs `body` in one write transaction (SQLite: `BEGIN IMMEDIATE`, which takes the write lock first;
   * PostgreSQL: `BEGIN` on one pooled connection): commits when it resolves, rolls back when it throws.
   */
  transaction<T>(body: (executor: SqlExecutor) => Promise<T>): Promise<T>;
  /** Whether `error` is a unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  describeError(error: unknown): SqlErrorDescription;
  /** Releases the connection(s). */
  close(): Promise<void>;
}
