// Runs gatewayStore.crash.child.ts and waits until the kernel killed it.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Runs a replica that admits one request for `keyId`, queues its usage and receipt, and is killed before they
 * commit; resolves once it is dead, with what it printed.
 *
 * @example
 * ```ts
 * await crashAfterAdmit("sqlite", path, record.id);
 * ```
 */
export async function crashAfterAdmit(
  kind: "sqlite" | "postgres",
  location: string,
  keyId: string,
): Promise<{ stdout: string; signal: NodeJS.Signals | null }> {
  const child = spawn(
    process.execPath,
    [
      "--conditions=aviary-source",
      "--import",
      "tsx",
      fileURLToPath(new URL("./gatewayStore.crash.child.ts", import.meta.url)),
      kind,
      location,
      keyId,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("exit", (_code, exitSignal) => resolve(exitSignal)),
  );
  if (signal !== "SIGKILL" || !stdout.includes("queued")) {
    throw new Error(`the crashing replica did not get to its kill (${signal}): ${stdout} ${stderr}`);
  }
  return { stdout, signal };
}
