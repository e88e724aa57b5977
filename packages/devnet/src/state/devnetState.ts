import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { DevnetStateError } from "../errors.ts";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an 0x-prefixed 20-byte address");
const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "an 0x-prefixed 32-byte hex string");

/** What `aviary devnet up` writes to `<AVIARY_HOME>/devnet.json` and every tool reads back. */
export const devnetStateSchema = z.object({
  rpcUrl: z.string().url(),
  chainId: z.number().int().positive(),
  contracts: z.object({ token: address, registry: address, settlement: address }),
  deployBlock: z.string().regex(/^\d+$/),
  accounts: z.array(z.object({ role: z.string(), address, privateKey: hex32 })),
  anvilStatePath: z.string(),
  updatedAt: z.string(),
  // Written by the whole local network (`npm start`); absent when only the chain runs.
  model: z.object({ name: z.string(), id: hex32, weightsDigest: hex32, uri: z.string() }).optional(),
  /** The generated test image model the local network also serves (kind image). */
  imageModel: z.object({ name: z.string(), id: hex32, weightsDigest: hex32, uri: z.string() }).optional(),
  /** `url` is the server root; `baseUrl` the OpenAI base URL (`…/v1`) clients pass as `baseURL`. */
  gateway: z
    .object({ url: z.string().url(), baseUrl: z.string().url().optional(), apiKey: z.string(), address })
    .optional(),
  explorerUrl: z.string().url().optional(),
  suppliers: z.array(z.object({ address, endpoint: z.string().url() })).optional(),
  application: z.object({ address, privateKey: hex32 }).optional(),
});

export type DevnetState = z.infer<typeof devnetStateSchema>;

/**
 * The folder holding the local network's state: `home`, else `$AVIARY_HOME`, else `.aviary` in the working
 * directory, unless that holds no running devnet and `.aviary/current-home` names a folder that does (what
 * `devnet up --home DIR` records, so that later commands run from the same folder find DIR).
 *
 * @example
 * resolveAviaryHome(); // /home/me/aviary/.aviary
 */
export function resolveAviaryHome(home?: string): string {
  if (home !== undefined) return resolve(home);
  if (process.env.AVIARY_HOME !== undefined) return resolve(process.env.AVIARY_HOME);
  const fallback = join(process.cwd(), ".aviary");
  let recorded: string | undefined;
  try {
    recorded = readFileSync(currentHomePath(), "utf8").trim() || undefined;
  } catch {
    recorded = undefined;
  }
  if (recorded && recorded !== fallback && isDevnetRunning(recorded) && !isDevnetRunning(fallback)) {
    return recorded;
  }
  return fallback;
}

/** `<cwd>/.aviary/current-home`: the state folder of the devnet last started from `cwd` with `--home`. */
export function currentHomePath(cwd: string = process.cwd()): string {
  return join(cwd, ".aviary", "current-home");
}

/**
 * Records `home` as the running devnet's state folder for commands run from `cwd` (see `resolveAviaryHome`);
 * for the default folder it removes the record instead. Call once the devnet's `devnet.pid` is written.
 *
 * @example
 * recordCurrentHome("/srv/aviary-dev"); // writes ./.aviary/current-home
 */
export function recordCurrentHome(home: string, cwd: string = process.cwd()): void {
  const path = currentHomePath(cwd);
  const absolute = resolve(home);
  if (absolute === join(cwd, ".aviary")) {
    rmSync(path, { force: true });
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${absolute}\n`);
}

/** Whether `home` has a devnet.json and a devnet.pid naming a live process. */
function isDevnetRunning(home: string): boolean {
  if (!existsSync(devnetStatePath(home))) return false;
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(home, "devnet.pid"), "utf8"), 10);
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function devnetStatePath(home: string): string {
  return join(home, "devnet.json");
}

/** Reads and validates devnet.json; `undefined` when there is none. */
export function readDevnetState(home: string): DevnetState | undefined {
  const path = devnetStatePath(home);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new DevnetStateError({ path, reason: "it cannot be read", cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DevnetStateError({ path, reason: "it is not JSON", cause });
  }
  const parsed = devnetStateSchema.safeParse(json);
  if (!parsed.success) {
    throw new DevnetStateError({ path, reason: z.prettifyError(parsed.error).replaceAll("\n", "; ") });
  }
  return parsed.data;
}

/** Writes devnet.json atomically (temporary file, then rename): a crash never leaves half a file. */
export function writeDevnetState(home: string, state: DevnetState): void {
  mkdirSync(home, { recursive: true });
  const path = devnetStatePath(home);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(devnetStateSchema.parse(state), null, 2)}\n`);
  renameSync(temporary, path);
}
