import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
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
  gateway: z.object({ url: z.string().url(), apiKey: z.string(), address }).optional(),
  explorerUrl: z.string().url().optional(),
  suppliers: z.array(z.object({ address, endpoint: z.string().url() })).optional(),
  application: z.object({ address, privateKey: hex32 }).optional(),
});

export type DevnetState = z.infer<typeof devnetStateSchema>;

/**
 * The folder holding the local network's state: `$AVIARY_HOME`, else `.aviary` in the working directory.
 *
 * @example
 * resolveAviaryHome(); // /home/me/aviary/.aviary
 */
export function resolveAviaryHome(home?: string): string {
  return resolve(home ?? process.env.AVIARY_HOME ?? join(process.cwd(), ".aviary"));
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
