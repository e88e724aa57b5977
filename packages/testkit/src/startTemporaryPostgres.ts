/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temporary directory, `postgres` on a free loopback
 * port, removed again by `stop()`. Or, when `AVIARY_TEST_POSTGRES_URL` is set, that server instead.
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  accessSync,
  chownSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { BaseError } from "@aviary/protocol";
import pg from "pg";

/** The environment variable naming an existing server to test against (its database must allow CREATE DATABASE). */
export const TEST_POSTGRES_URL_VARIABLE = "AVIARY_TEST_POSTGRES_URL";

/** A running server. */
export type TemporaryPostgres = {
  /** Connection URL of its `postgres` database, user `aviary`, no password (trust on loopback). */
  url: string;
  /** Whether it came from {@link TEST_POSTGRES_URL_VARIABLE} (then `stop()` leaves it running). */
  external: boolean;
  /** Stops the server and deletes its directory. Idempotent. */
  stop(): Promise<void>;
};

/** Where a temporary server would come from, or why none can be had. */
export type PostgresAvailability =
  | { available: true; source: "environment"; url: string }
  | { available: true; source: "binaries"; binDirectory: string }
  | { available: false; reason: string };

/**
 * A temporary PostgreSQL server could not be started.
 *
 * @example
 * ```ts
 * throw new TemporaryPostgresError({ reason: "initdb failed", details: stderr });
 * ```
 */
export class TemporaryPostgresError extends BaseError {
  override name = "TemporaryPostgresError";
  constructor({ reason, details, cause }: { reason: string; details?: string; cause?: unknown }) {
    super(`Cannot start a temporary PostgreSQL server: ${reason}.`, {
      cause,
      ...(details ? { details } : {}),
      metaMessages: [`Install PostgreSQL (initdb, postgres), or set ${TEST_POSTGRES_URL_VARIABLE}.`],
    });
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where to look for PostgreSQL: the environment (`PATH`, `AVIARY_TEST_POSTGRES_URL`) and Debian's root. */
export type PostgresSearch = { environment?: NodeJS.ProcessEnv; debianRoot?: string };

/**
 * Finds a directory holding both `initdb` and `postgres`: on `PATH` first, then the newest
 * `/usr/lib/postgresql/<version>/bin` (Debian's layout, not on `PATH`).
 *
 * @example
 * ```ts
 * findPostgresBinaries() // "/usr/lib/postgresql/15/bin"
 * ```
 */
export function findPostgresBinaries({
  environment = process.env,
  debianRoot = "/usr/lib/postgresql",
}: PostgresSearch = {}): string | undefined {
  const candidates = (environment.PATH ?? "").split(delimiter).filter(Boolean);
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((entry) => /^\d+(\.\d+)?$/.test(entry))
      .sort((left, right) => Number(right) - Number(left));
    candidates.push(...versions.map((version) => join(debianRoot, version, "bin")));
  }
  return candidates.find(
    (directory) => isExecutable(join(directory, "initdb")) && isExecutable(join(directory, "postgres")),
  );
}

/**
 * Says, without starting anything, whether {@link startTemporaryPostgres} can work here: for
 * `describe.skipIf` at collection time.
 *
 * @example
 * ```ts
 * const availability = postgresAvailability();
 * describe.skipIf(!availability.available)("PostgresGatewayStore", () => { … });
 * ```
 */
export function postgresAvailability(search: PostgresSearch = {}): PostgresAvailability {
  const url = (search.environment ?? process.env)[TEST_POSTGRES_URL_VARIABLE];
  if (url) return { available: true, source: "environment", url };
  const binDirectory = findPostgresBinaries(search);
  if (binDirectory) return { available: true, source: "binaries", binDirectory };
  return {
    available: false,
    reason: `no PostgreSQL: ${TEST_POSTGRES_URL_VARIABLE} is not set and no directory on PATH or under /usr/lib/postgresql/*/bin has both initdb and postgres`,
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root: then everything runs as this account. */
function postgresAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ["postgres", "nobody"]) {
    const line = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((entry) => entry.startsWith(`${name}:`));
    const [, , uid, gid] = line?.split(":") ?? [];
    if (uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  throw new TemporaryPostgresError({ reason: "running as root and there is no postgres (or nobody) user" });
}

async function waitUntilReady(
  url: string,
  server: ChildProcess,
  log: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  server.once("exit", (code) => {
    exited = code ?? -1;
  });
  for (;;) {
    if (exited !== null) {
      throw new TemporaryPostgresError({ reason: `postgres exited with code ${exited}`, details: log() });
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) {
        throw new TemporaryPostgresError({
          reason: "postgres did not accept connections in time",
          details: log(),
          cause: error,
        });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts a private PostgreSQL server, or returns the one named by `AVIARY_TEST_POSTGRES_URL`.
 *
 * Runs `initdb -D <tmp>/data -U aviary --auth=trust` and `postgres -D <tmp>/data -k <tmp> -p <free port>
 * -c listen_addresses=127.0.0.1 -c fsync=off` as a child process (as the `postgres` user when this process is
 * root, with the directory given to that user), waits until it accepts connections, and returns its URL.
 * The server is stopped when this process exits, even without `stop()`. Startup takes about a second.
 *
 * @param options.timeoutMs - how long to wait for the server to accept connections (default 30 000).
 * @throws TemporaryPostgresError when no server can be started.
 * @example
 * ```ts
 * const postgres = await startTemporaryPostgres();
 * const store = new PostgresGatewayStore({ url: postgres.url });
 * // …
 * await postgres.stop();
 * ```
 */
export async function startTemporaryPostgres(
  options: { timeoutMs?: number } = {},
): Promise<TemporaryPostgres> {
  const availability = postgresAvailability();
  if (!availability.available) throw new TemporaryPostgresError({ reason: availability.reason });
  if (availability.source === "environment") {
    return { url: availability.url, external: true, stop: async () => {} };
  }
  const { binDirectory } = availability;
  const account = postgresAccount();
  const root = mkdtempSync(join(tmpdir(), "aviary-pg-"));
  const data = join(root, "data");
  mkdirSync(data, { mode: 0o700 });
  if (account) {
    chownSync(root, account.uid, account.gid);
    chownSync(data, account.uid, account.gid);
  }
  const asAccount = account ? { uid: account.uid, gid: account.gid } : {};
  const environment = { ...process.env, LC_ALL: "C", LANG: "C" };
  try {
    execFileSync(
      join(binDirectory, "initdb"),
      ["-D", data, "-U", "aviary", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
      { cwd: root, env: environment, stdio: ["ignore", "pipe", "pipe"], ...asAccount },
    );
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString();
    throw new TemporaryPostgresError({
      reason: "initdb failed",
      ...(stderr ? { details: stderr } : {}),
      cause: error,
    });
  }

  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    let output = "";
    const server = spawn(
      join(binDirectory, "postgres"),
      [
        "-D",
        data,
        "-k",
        root,
        "-p",
        String(port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
      ],
      { cwd: root, env: environment, stdio: ["ignore", "pipe", "pipe"], ...asAccount },
    );
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    server.stdout?.on("data", collect);
    server.stderr?.on("data", collect);
    // Never leave a server behind, even when the test process ends without stop().
    const killOnExit = () => server.kill("SIGQUIT");
    process.once("exit", killOnExit);
    const url = `postgresql://aviary@127.0.0.1:${port}/postgres`;
    try {
      await waitUntilReady(url, server, () => output, options.timeoutMs ?? 30_000);
    } catch (error) {
      lastError = error;
      server.kill("SIGQUIT");
      process.off("exit", killOnExit);
      await new Promise((resolve) =>
        server.exitCode === null ? server.once("exit", resolve) : resolve(null),
      );
      if (/could not bind|address already in use/i.test(output)) continue; // lost the port race: another port
      break;
    }
    let stopped: Promise<void> | undefined;
    return {
      url,
      external: false,
      stop: () => {
        stopped ??= (async () => {
          process.off("exit", killOnExit);
          if (server.exitCode === null && server.signalCode === null) {
            const exited = new Promise((resolve) => server.once("exit", resolve));
            server.kill("SIGINT"); // fast shutdown: disconnect clients, no checkpoint wait
            const timer = setTimeout(() => server.kill("SIGQUIT"), 5000);
            await exited;
            clearTimeout(timer);
          }
          rmSync(root, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  }
  rmSync(root, { recursive: true, force: true });
  throw lastError instanceof TemporaryPostgresError
    ? lastError
    : new TemporaryPostgresError({ reason: "postgres did not start", cause: lastError });
}

/**
 * Creates an empty database on `serverUrl`'s server and returns its URL (for one test's isolation), with a
 * function that drops it again.
 *
 * @example
 * ```ts
 * const { url, drop } = await createTemporaryDatabase(postgres.url);
 * ```
 */
export async function createTemporaryDatabase(
  serverUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `aviary_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
