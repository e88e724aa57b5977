import { afterEach, expect, test } from "vitest";
import { type WatchBlocksReturnType, watchBlocks } from "./watchBlocks.ts";

const watchers: WatchBlocksReturnType[] = [];
afterEach(async () => {
  for (const watcher of watchers.splice(0)) await watcher.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client whose head is set by the test, and which fails while `failing` is true. */
function fakeClient() {
  const state = { head: 10n, failing: false, calls: 0 };
  return {
    state,
    client: {
      getBlockNumber: async () => {
        state.calls += 1;
        if (state.failing) throw new Error("connect ECONNREFUSED 127.0.0.1:1");
        return state.head;
      },
    },
  };
}

test("test_watchBlocks_reportsEachNewHeadOnce", async () => {
  const { state, client } = fakeClient();
  const seen: bigint[] = [];
  watchers.push(watchBlocks(client, (block) => void seen.push(block), { pollingIntervalMs: 5 }));
  await sleep(30);
  state.head = 11n;
  await sleep(30);
  state.head = 15n; // a jump: reported once, with the latest number
  await sleep(30);
  expect(seen).toEqual([10n, 11n, 15n]);
});

test("test_watchBlocks_rpcErrors_areReportedAndPollingContinues", async () => {
  const { state, client } = fakeClient();
  const seen: bigint[] = [];
  const errors: unknown[] = [];
  state.failing = true;
  watchers.push(
    watchBlocks(client, (block) => void seen.push(block), {
      pollingIntervalMs: 5,
      onError: (error) => errors.push(error),
    }),
  );
  await sleep(40);
  expect(seen).toEqual([]);
  expect(errors.length).toBeGreaterThan(1);
  state.failing = false;
  await sleep(30);
  expect(seen).toEqual([10n]);
});

test("test_watchBlocks_handlerFailures_doNotStopIt_andStopStops", async () => {
  const { state, client } = fakeClient();
  const errors: unknown[] = [];
  let calls = 0;
  const watcher = watchBlocks(
    client,
    async () => {
      calls += 1;
      throw new Error("handler failed");
    },
    { pollingIntervalMs: 5, onError: (error) => errors.push(error) },
  );
  await sleep(20);
  state.head = 12n;
  await sleep(20);
  expect(calls).toBe(2);
  expect(errors).toHaveLength(2);
  await watcher.stop();
  const polls = state.calls;
  await sleep(30);
  expect(state.calls).toBe(polls);
});
