// Closed-loop load for benches: `count` requests by `concurrency` workers, latency percentiles and rate.

export type LoadResult = {
  p50: number;
  p99: number;
  mean: number;
  /** Requests (failed ones included) per second of wall time. */
  perSecond: number;
  failures: number;
  /** Wall time of the whole run. */
  seconds: number;
};

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] as number;
}

/**
 * Runs `send` `count` times from `concurrency` workers. `send` resolves `false` for a failed request, a
 * positive number to report its own latency in ms (e.g. time to the first chunk), or `true` to have the wall
 * time of the call measured. A rejection counts as a failure. Latencies go into a preallocated typed array,
 * so that the client's own garbage stays out of the numbers it takes.
 *
 * @example
 * ```ts
 * const { p50, perSecond } = await runLoad(2000, 64, (index) => send(target, index));
 * ```
 */
export async function runLoad(
  count: number,
  concurrency: number,
  send: (index: number) => Promise<number | boolean>,
): Promise<LoadResult> {
  const latencies = new Float64Array(count);
  let recorded = 0;
  let failures = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (;;) {
        const index = next++;
        if (index >= count) return;
        const start = performance.now();
        const outcome = await send(index).catch(() => false as const);
        if (outcome === false) failures += 1;
        latencies[recorded++] =
          typeof outcome === "number" && outcome > 0 ? outcome : performance.now() - start;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.subarray(0, recorded).sort();
  let total = 0;
  for (const latency of sorted) total += latency;
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean: total / Math.max(1, sorted.length),
    perSecond: count / seconds,
    failures,
    seconds,
  };
}
