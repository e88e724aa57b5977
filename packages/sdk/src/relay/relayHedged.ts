import { shouldHedge } from "../routing/shouldHedge.ts";

export type RelayHedgedParameters<C, R> = {
  /** The attempt plan; split in two lanes (even and odd positions: they never try the same supplier). */
  candidates: readonly C[];
  /** Start the second lane this long after the first without an answer, ms (routing's `shouldHedge`). */
  hedgeAfterMs: number;
  signal?: AbortSignal;
  /** Runs one lane: a failover over `candidates` (e.g. `relayWithFailover`), aborted by `signal`. */
  runLane: (lane: number, candidates: C[], signal: AbortSignal) => Promise<R>;
  /** A lane that answered after the other won (its stream already cancelled): a served relay to account. */
  onLoser?: (loser: R) => void;
};
export type RelayHedgedReturnType<R> = R;

/**
 * A hedged relay, PATH-style: the plan runs as two failover lanes; the second starts when `shouldHedge` says
 * so (no answer within `hedgeAfterMs`), or at once when the first lane failed. The first lane to answer wins
 * (a stream: to deliver its first event); the other is aborted (a refused or aborted relay costs nothing).
 * With a single candidate there is nothing to hedge: the one lane runs alone.
 *
 * @param parameters - the plan, the delay, the lane runner, the loser's callback.
 * @throws what the last lane to fail threw, when both failed.
 * @example
 * ```ts
 * const result = await relayHedged({
 *   candidates: plan, hedgeAfterMs: 500, signal,
 *   runLane: (lane, candidates, laneSignal) => relayWithFailover({ ...common, candidates, signal: laneSignal }),
 * });
 * ```
 */
export function relayHedged<C, R extends { kind: "json" | "stream"; cancel?: (reason?: unknown) => void }>({
  candidates,
  hedgeAfterMs,
  signal,
  runLane,
  onLoser,
}: RelayHedgedParameters<C, R>): Promise<RelayHedgedReturnType<R>> {
  const lanes = [
    candidates.filter((_, index) => index % 2 === 0),
    candidates.filter((_, index) => index % 2 === 1),
  ];
  const controllers = [new AbortController(), new AbortController()];
  const abortAll = () => {
    for (const controller of controllers) controller.abort(signal?.reason);
  };
  signal?.addEventListener("abort", abortAll, { once: true });
  const startedAt = performance.now();
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    let started = 0;
    let failed = 0;
    let lastError: unknown;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      settled = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", abortAll);
    };
    const start = (lane: number) => {
      const laneCandidates = lanes[lane] ?? [];
      const controller = controllers[lane];
      if (started > lane || laneCandidates.length === 0 || !controller) return;
      started = lane + 1;
      runLane(lane, laneCandidates, controller.signal).then(
        (result) => {
          if (settled) {
            if (result.kind === "stream") result.cancel?.("the other hedge lane won");
            onLoser?.(result);
            return;
          }
          finish();
          controllers[1 - lane]?.abort("the other hedge lane won");
          resolve(result);
        },
        (error) => {
          failed += 1;
          lastError = error;
          if (settled) return;
          // The first lane failed before the hedge was due: its failover is over, so the second starts now.
          if (lane === 0 && started < 2 && (lanes[1]?.length ?? 0) > 0) {
            start(1);
            return;
          }
          if (failed >= started) {
            finish();
            reject(lastError);
          }
        },
      );
    };
    const check = () => {
      if (settled) return;
      const due = shouldHedge({
        elapsedMs: performance.now() - startedAt,
        hedgeAfterMs,
        attemptsStarted: started,
        maxParallel: lanes.length,
      });
      if (due) start(started);
      // A timer can fire a hair early; look again rather than never.
      else if (started < lanes.length) timer = setTimeout(check, 1);
    };
    start(0);
    if (started < lanes.length && (lanes[1]?.length ?? 0) > 0) timer = setTimeout(check, hedgeAfterMs);
  });
}
