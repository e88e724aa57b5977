// A gateway replica that dies mid-request, for the crash tests: opens the store (`sqlite <path>` or
// `postgres <url>`), admits one request for `keyId` at T0, queues its usage and receipt without waiting,
// says "queued", and is killed (SIGKILL) before the write batch commits.

import { PostgresGatewayStore } from "../../src/store/PostgresGatewayStore.ts";
import { SqliteGatewayStore } from "../../src/store/SqliteGatewayStore.ts";
import { makeReceiptRecord, makeUsageRecord, T0 } from "./gatewayStore.fixtures.ts";

const [kind, location, keyId] = process.argv.slice(2);
if ((kind !== "sqlite" && kind !== "postgres") || !location || !keyId) {
  throw new Error("usage: sqlite|postgres <path|url> <keyId>");
}
// A long batch interval: the kill must come before the commit.
const writeBatch = { intervalMs: 60_000 };
const store =
  kind === "sqlite"
    ? new SqliteGatewayStore({ path: location, writeBatch })
    : new PostgresGatewayStore({ url: location, writeBatch });
const decision = await store.admit(keyId, 25, 700n, T0);
if (!decision.allowed) throw new Error("refused");
void store
  .recordUsage(makeUsageRecord({ keyId, costWei: 300n, inputTokens: 10, outputTokens: 5 }), {
    tokens: 25,
    costWei: 700n,
    windowStart: decision.windowStart,
  })
  .catch(() => {});
void store.putReceipt(makeReceiptRecord()).catch(() => {});
process.stdout.write("queued\n"); // synchronous on a pipe (Linux)
process.kill(process.pid, "SIGKILL");
