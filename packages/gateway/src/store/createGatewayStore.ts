import { z } from "zod";
import { GatewayStoreConfigError } from "./errors.ts";
import type { GatewayStore } from "./GatewayStore.ts";
import { PostgresGatewayStore } from "./PostgresGatewayStore.ts";
import { SqliteGatewayStore } from "./SqliteGatewayStore.ts";

/** Options of {@link createGatewayStore}. */
export const createGatewayStoreOptionsSchema = z
  .object({
    /** `postgres://…` / `postgresql://…` for PostgreSQL; `sqlite:<path>` (or `sqlite::memory:`) for SQLite. */
    url: z.string().min(1).optional(),
    /** SQLite database file (its directory must exist), or `":memory:"`. */
    path: z.string().min(1).optional(),
    /** See `DEFAULT_RESERVATION_TTL_MS`. */
    reservationTtlMs: z.number().int().min(60_000).optional(),
    /** PostgreSQL: connections per replica (default 10). */
    poolSize: z.number().int().min(1).max(1000).optional(),
    /** SQLite: how long a write waits for another process's transaction (default 5000 ms). */
    busyTimeoutMs: z.number().int().min(0).optional(),
  })
  .strict();

/** Parameters of {@link createGatewayStore}. */
export type CreateGatewayStoreParameters = z.input<typeof createGatewayStoreOptionsSchema>;

const URL_FORMS =
  "Use postgres://user:password@host:5432/database, sqlite:/path/to/gateway.db, or pass `path`.";

/**
 * Opens the gateway store a configuration names: a `postgres://` or `postgresql://` URL → PostgreSQL (shared by
 * any number of replicas); otherwise SQLite at `path` (or a `sqlite:` URL), by default `":memory:"`. The
 * schema is not created: call `migrate()`.
 *
 * @throws GatewayStoreConfigError for unknown options, a malformed URL, an unsupported scheme, both `url` and
 * `path`, or an SQLite file that cannot be opened.
 * @example
 * ```ts
 * const store = createGatewayStore({ url: process.env.DATABASE_URL });
 * await store.migrate();
 * ```
 */
export function createGatewayStore(parameters: CreateGatewayStoreParameters = {}): GatewayStore {
  const parsed = createGatewayStoreOptionsSchema.safeParse(parameters);
  if (!parsed.success) {
    throw new GatewayStoreConfigError({
      reason: z.prettifyError(parsed.error).replaceAll("\n", " "),
      cause: parsed.error,
    });
  }
  const { url, path, reservationTtlMs, poolSize, busyTimeoutMs } = parsed.data;
  if (url !== undefined && path !== undefined) {
    throw new GatewayStoreConfigError({ reason: "both `url` and `path` are set", hint: "Pass one of them." });
  }
  const scheme = url === undefined ? undefined : /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (url !== undefined && (scheme === "postgres" || scheme === "postgresql")) {
    let parsedUrl: URL;
    try {
      parsedUrl = new URL(url);
    } catch (error) {
      // Not echoed: it may hold a password.
      throw new GatewayStoreConfigError({
        reason: "the PostgreSQL URL is malformed",
        hint: URL_FORMS,
        cause: error,
      });
    }
    if (!parsedUrl.hostname && !parsedUrl.searchParams.get("host")) {
      throw new GatewayStoreConfigError({
        reason: "the PostgreSQL URL names no host",
        hint: "Add a host (postgres://user@host:5432/db) or a socket directory (?host=/var/run/postgresql).",
      });
    }
    return new PostgresGatewayStore({
      url,
      ...(poolSize === undefined ? {} : { poolSize }),
      ...(reservationTtlMs === undefined ? {} : { reservationTtlMs }),
    });
  }
  let file = path ?? ":memory:";
  if (url !== undefined) {
    if (scheme !== "sqlite") {
      throw new GatewayStoreConfigError({
        reason: scheme ? `unsupported database URL scheme "${scheme}:"` : "the database URL has no scheme",
        hint: URL_FORMS,
      });
    }
    const rest = url.slice("sqlite:".length);
    file = (rest.startsWith("//") ? rest.slice(2) : rest) || ":memory:";
  }
  return new SqliteGatewayStore({
    path: file,
    ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }),
    ...(reservationTtlMs === undefined ? {} : { reservationTtlMs }),
  });
}
