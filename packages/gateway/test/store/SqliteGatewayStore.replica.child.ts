// A gateway replica in its own process for SqliteGatewayStore.test.ts: opens the database file, says "ready",
// waits for a start time (unix ms) on stdin, and from then on makes `attempts` rounds of one admission for `keyId`
// in each of `windows` consecutive minutes; prints how many it was allowed per window (JSON array).
import { createInterface } from "node:readline";
import { SqliteGatewayStore } from "../../src/store/SqliteGatewayStore.ts";

const [path, keyId, start, windows, attempts] = process.argv.slice(2);
if (!path || !keyId || !start || !windows || !attempts) {
  throw new Error("usage: <path> <keyId> <start> <windows> <attempts>");
}
// A long reservation TTL: the processes advance through the windows at their own pace, and a fast one must
// not drop the windows a slow one is still in.
const store = new SqliteGatewayStore({ path, busyTimeoutMs: 10_000, reservationTtlMs: 24 * 3_600_000 });
await store.migrate();
const lines = createInterface({ input: process.stdin });
process.stdout.write("ready\n");
let startAt = Date.now();
for await (const line of lines) {
  startAt = Number(line);
  break;
}
// Both processes start at the same instant, so that their admissions interleave.
while (Date.now() < startAt) await new Promise((resolve) => setTimeout(resolve, 1));
const allowed: number[] = Array(Number(windows)).fill(0);
for (let attempt = 0; attempt < Number(attempts); attempt++) {
  for (let window = 0; window < Number(windows); window++) {
    if ((await store.admit(keyId, 1, 1n, Number(start) + window * 60_000 + attempt)).allowed) {
      allowed[window] = (allowed[window] ?? 0) + 1;
    }
  }
}
await store.close();
process.stdout.write(`${JSON.stringify(allowed)}\n`);
lines.close();
