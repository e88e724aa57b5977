// Reads a V8 `.cpuprofile` (as written by `node --cpu-prof`) and ranks functions by self time, optionally only
// over a window of the profile's clock (CLOCK_MONOTONIC in µs on Linux, the same clock as
// `process.hrtime.bigint()` in ns), so that start-up work (loading and transpiling sources) stays out.
// TypeScript sources run through tsx, whose output is one line per file: their profile positions say
// `:1:<column>`, so a named function's line is looked up in the source by its name (printed `≈<line>`).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type CpuProfile = {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
};

/** One function's share of the sampled time. */
export type SelfTime = {
  name: string;
  location: string;
  selfMs: number;
  percent: number;
  /** The caller that most of this self time came through (`name location`), when there is one. */
  caller?: string;
};

const sources = new Map<string, string[]>();
/** Where a named function is defined in a TypeScript source, by its name (tsx output has no lines). */
function lineByName(url: string, name: string): number | undefined {
  if (!name || !url.startsWith("file://")) return undefined;
  let lines = sources.get(url);
  if (!lines) {
    try {
      lines = readFileSync(fileURLToPath(url), "utf8").split("\n");
    } catch {
      lines = [];
    }
    sources.set(url, lines);
  }
  const escaped = name.replace(/[$]/g, "\\$");
  const definition = new RegExp(
    `(?:function\\*?\\s+${escaped}\\b|(?:const|let|var)\\s+${escaped}\\s*=|^\\s*(?:(?:public|private|protected|static|async|readonly|get|set)\\s+)*\\*?${escaped}\\s*(?:<[^>]*>)?\\(|\\b${escaped}\\s*:\\s*(?:async\\s*)?(?:function|\\())`,
  );
  const index = lines.findIndex((line) => definition.test(line));
  return index >= 0 ? index + 1 : undefined;
}

/** What {@link topSelfTime} finds. */
export type TopSelfTime = {
  top: SelfTime[];
  /** The same, summed per source file (`location` without the line): where the time goes, by module. */
  topFiles: SelfTime[];
  /** Sampled ms in the window, idle excluded. */
  busyMs: number;
  /** Sampled ms in the window when the process was idle. */
  idleMs: number;
  /** Sampled ms of garbage collection in the window. */
  garbageMs: number;
  /** False when the window held no samples, and the whole profile was used. */
  windowed: boolean;
};

/**
 * The `count` functions with the most self time in `path`, idle time left out of the ranking and of the
 * percentages. Functions are keyed by name and location, so one function's many call-tree nodes add up.
 *
 * @param path - a `.cpuprofile` file.
 * @param options.count - how many to return (default 5).
 * @param options.window - [start, end] in µs of the profile's clock; samples outside are ignored.
 * @param options.root - a path prefix cut from `file://` URLs to keep locations short.
 * @example
 * ```ts
 * const { top } = topSelfTime("/tmp/profiles/gateway.cpuprofile", { count: 5 });
 * ```
 */
export function topSelfTime(
  path: string,
  options: { count?: number; window?: [number, number]; root?: string } = {},
): TopSelfTime {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const describe = ({ functionName, url, lineNumber, columnNumber }: CallFrame) => {
    const shortUrl = options.root ? url.replace(`file://${options.root}/`, "") : url;
    let location = "(native)";
    if (shortUrl && url.endsWith(".ts") && lineNumber === 0) {
      const line = lineByName(url, functionName);
      location = line ? `${shortUrl}:≈${line}` : `${shortUrl}:1:${columnNumber + 1}`;
    } else if (shortUrl) location = `${shortUrl}:${lineNumber + 1}`;
    return { name: functionName || "(anonymous)", location };
  };
  type Entry = { name: string; location: string; us: number; callers: Map<string, number> };
  const tally = (window: [number, number] | undefined) => {
    const self = new Map<string, Entry>();
    let idle = 0;
    let garbage = 0;
    let busy = 0;
    let time = profile.startTime;
    for (let index = 0; index < profile.samples.length; index += 1) {
      time += profile.timeDeltas[index] ?? 0;
      // A sample's time is the gap to the next one: the interval it stands for.
      const duration =
        (profile.timeDeltas[index + 1] ?? 0) > 0 ? (profile.timeDeltas[index + 1] as number) : 0;
      if (window && (time < window[0] || time > window[1])) continue;
      const node = byId.get(profile.samples[index] as number);
      if (!node) continue;
      const { functionName } = node.callFrame;
      if (functionName === "(idle)") {
        idle += duration;
        continue;
      }
      busy += duration;
      if (functionName === "(garbage collector)") garbage += duration;
      const { name, location } = describe(node.callFrame);
      const key = `${name}@${location}`;
      const entry = self.get(key) ?? { name, location, us: 0, callers: new Map<string, number>() };
      entry.us += duration;
      const parent = parentOf.get(node.id);
      if (parent && parent.callFrame.functionName !== "(root)") {
        const caller = describe(parent.callFrame);
        const callerKey = `${caller.name} ${caller.location}`;
        entry.callers.set(callerKey, (entry.callers.get(callerKey) ?? 0) + duration);
      }
      self.set(key, entry);
    }
    return { self, idle, garbage, busy };
  };
  let windowed = options.window !== undefined;
  let result = tally(options.window);
  if (windowed && result.busy + result.idle === 0) {
    windowed = false;
    result = tally(undefined);
  }
  const rank = (entries: Iterable<Entry>) =>
    [...entries]
      .sort((a, b) => b.us - a.us)
      .slice(0, options.count ?? 5)
      .map((entry): SelfTime => {
        const caller = [...entry.callers].sort((a, b) => b[1] - a[1])[0]?.[0];
        return {
          name: entry.name,
          location: entry.location,
          selfMs: entry.us / 1000,
          percent: result.busy > 0 ? (100 * entry.us) / result.busy : 0,
          ...(caller ? { caller } : {}),
        };
      });
  const files = new Map<string, Entry>();
  for (const entry of result.self.values()) {
    const file =
      entry.location === "(native)"
        ? `(native) ${entry.name}`
        : entry.location.replace(/:≈?\d+(?::\d+)?$/, "");
    const sum = files.get(file) ?? { name: file, location: file, us: 0, callers: new Map<string, number>() };
    sum.us += entry.us;
    files.set(file, sum);
  }
  return {
    top: rank(result.self.values()),
    topFiles: rank(files.values()),
    busyMs: result.busy / 1000,
    idleMs: result.idle / 1000,
    garbageMs: result.garbage / 1000,
    windowed,
  };
}
