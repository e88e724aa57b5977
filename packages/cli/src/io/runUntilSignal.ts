/** How long a stopped node may take to let go of the event loop by itself before it is made to exit. */
const EXIT_GRACE_MS = 1_000;

/**
 * Waits for SIGINT or SIGTERM, runs `stop`, and makes sure the process then ends: once `stop` has resolved the
 * node is done, so an RPC client's retry or receipt-wait timer (viem's receipt wait holds one for 60 s) must not
 * keep the process alive. The exit timer is unref'd, so a process that ends by itself ends at once.
 *
 * @param stop - the node's stop function (finishes in-flight work, closes servers and timers).
 * @example
 * ```ts
 * const node = await startSupplier(config);
 * await runUntilSignal(() => node.stop());
 * ```
 */
export async function runUntilSignal(stop: () => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await stop();
  setTimeout(() => process.exit(process.exitCode ?? 0), EXIT_GRACE_MS).unref();
}
