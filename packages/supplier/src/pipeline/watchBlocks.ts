import type { PublicClient } from "viem";

export type WatchBlocksOptions = {
  /** Milliseconds between `eth_blockNumber` polls. @default 300 */
  pollingIntervalMs?: number;
  /** Called with RPC errors (polling goes on) and with errors thrown by `onBlock`. @default ignore */
  onError?: (error: unknown) => void;
};

export type WatchBlocksReturnType = {
  /** Stops polling; resolves once a poll in progress has finished. */
  stop(): Promise<void>;
};

/**
 * Polls the head block number and calls `onBlock` each time it grows: once with the latest number, not once
 * per block skipped in between (the lifecycle works from the latest block; its windows are ranges). The first
 * head seen is reported too. `onBlock` is not awaited between polls: a slow handler must skip overlapping
 * calls itself (as `SessionLifecycle.tick` does). RPC errors go to `onError` and polling continues.
 *
 * @example
 * ```ts
 * const watcher = watchBlocks(publicClient, (blockNumber) => lifecycle.tick(blockNumber), {
 *   onError: (error) => logger.warn({ err: error }, "block poll failed"),
 * });
 * // …
 * await watcher.stop();
 * ```
 */
export function watchBlocks(
  publicClient: Pick<PublicClient, "getBlockNumber">,
  onBlock: (blockNumber: bigint) => unknown,
  options: WatchBlocksOptions = {},
): WatchBlocksReturnType {
  const interval = options.pollingIntervalMs ?? 300;
  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // An error handler that throws must not stop the watcher.
    }
  };
  let last: bigint | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> = Promise.resolve();

  async function poll(): Promise<void> {
    try {
      const head = await publicClient.getBlockNumber({ cacheTime: 0 });
      if (!stopped && (last === undefined || head > last)) {
        last = head;
        try {
          const result = onBlock(head);
          if (result instanceof Promise) result.catch(report);
        } catch (error) {
          report(error);
        }
      }
    } catch (error) {
      if (!stopped) report(error);
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      polling = poll().finally(schedule);
    }, interval);
  }

  polling = poll().finally(schedule);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await polling.catch(() => {});
    },
  };
}
