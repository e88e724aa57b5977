// Child process of FileRelayStore.crash.test.ts: appends records as fast as it can (64 in flight, three
// sessions) and prints each record's relayKey on stdout once its append resolved. Stdout to a pipe is
// synchronous on Linux, so a printed key was acknowledged before the line left the process.
import { FileRelayStore, type FsyncPolicy } from "../../src/store/FileRelayStore.ts";
import { makeRelayRecord } from "./relayStore.fixtures.ts";

const [directory, fsync = "never"] = process.argv.slice(2);
if (!directory) throw new Error("usage: FileRelayStore.crash.child.ts <directory> [fsync]");

const store = new FileRelayStore({ directory, fsync: fsync as FsyncPolicy });
await store.open();
let nonce = 0n;
async function worker(): Promise<never> {
  for (;;) {
    nonce += 1n;
    const record = makeRelayRecord({ session: 100n + (nonce % 3n), nonce });
    await store.append(record);
    process.stdout.write(`${record.relayKey}\n`);
  }
}
await Promise.all(Array.from({ length: 64 }, worker));
