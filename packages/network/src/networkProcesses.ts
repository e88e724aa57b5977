import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/** `<home>/processes.json`: what the `devnet up` supervisor runs, rewritten on every change. */
export const networkProcessesSchema = z.object({
  supervisor: z.object({
    pid: z.number().int(),
    startedAt: z.string(),
    ready: z.boolean(),
    stopping: z.boolean().default(false),
  }),
  processes: z.array(
    z.object({
      name: z.string(),
      pid: z.number().int().optional(),
      state: z.enum(["up", "down", "stopped"]),
      restarts: z.number().int(),
      port: z.number().int().optional(),
      log: z.string().optional(),
      lastError: z.string().optional(),
      startedAt: z.string().optional(),
    }),
  ),
  updatedAt: z.string(),
});

export type NetworkProcesses = z.infer<typeof networkProcessesSchema>;

/** The status file's path in a state folder. */
export const networkProcessesPath = (home: string) => join(home, "processes.json");

/** Reads `<home>/processes.json`; undefined when there is none or it is unreadable. */
export function readNetworkProcesses(home: string): NetworkProcesses | undefined {
  try {
    return networkProcessesSchema.parse(JSON.parse(readFileSync(networkProcessesPath(home), "utf8")));
  } catch {
    return undefined;
  }
}

/** Writes `<home>/processes.json` atomically (a reader never sees half a file). */
export function writeNetworkProcesses(home: string, value: NetworkProcesses): void {
  const path = networkProcessesPath(home);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temporary, path);
}
