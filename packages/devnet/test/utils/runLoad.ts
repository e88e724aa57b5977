// Closed-loop load for benches: `count` requests by `concurrency` workers, latency percentiles and rate.

export type LoadResult = { p50: number; p99: number; mean: number; perSecond: number; failures: number };

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

/**
 * Runs `send` `count` times from `concurrency` workers. `send` resolves `false` for a failed request, a
 * positive number to report its own latency in ms (e.g. time to the first chunk), or `true` to have the wall
 * time of the call measured. A rejection counts as a failure.
 */
export async function runLoad(
  count: number,
  concurrency: number,
  send: (index: number) => Promise<number | boolean>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const index = next++;
        if (index >= count) return;
        const start = performance.now();
        const outcome = await send(index).catch(() => false as const);
        if (outcome === false) failures += 1;
        latencies.push(typeof outcome === "number" && outcome > 0 ? outcome : performance.now() - start);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    mean: latencies.reduce((total, latency) => total + latency, 0) / Math.max(1, latencies.length),
    perSecond: count / seconds,
    failures,
  };
}
