/** Options of {@link exitOnClosedPipe}. */
export type ExitOnClosedPipeOptions = {
  /**
   * The command serves until stopped (`devnet up`, `supplier start`, `gateway start`, `explorer start`): a
   * closed pipe stops it as SIGTERM does, so that it shuts its nodes down. Otherwise the process exits at once.
   * @default false
   */
  serving?: boolean;
  /** The streams to watch. @default [process.stdout, process.stderr] */
  streams?: NodeJS.WriteStream[];
};

/**
 * Makes the command end quietly, with status 0, when the reader of its stdout (or stderr) goes away, as
 * `aviary devnet status | head -1` does after one line: Node reports that as an `EPIPE` error on the stream,
 * which would otherwise surface as an uncaught exception with a stack trace. Other stream errors are rethrown
 * until the pipe closed; after that, writes that fail are dropped.
 *
 * @param options - whether the command is a serving one, and the streams.
 * @example
 * exitOnClosedPipe({ serving: false }); // first thing in bin.ts
 */
export function exitOnClosedPipe({
  serving = false,
  streams = [process.stdout, process.stderr],
}: ExitOnClosedPipeOptions = {}): void {
  let closed = false;
  const onError = (error: NodeJS.ErrnoException) => {
    if (closed) return;
    if (error.code !== "EPIPE") throw error;
    closed = true;
    if (!serving) process.exit(0);
    // Whatever the shutdown reports, the reader chose to stop reading: that is a normal end.
    process.once("exit", () => {
      process.exitCode = 0;
    });
    process.emit("SIGTERM", "SIGTERM");
  };
  for (const stream of streams) stream.on("error", onError);
}
