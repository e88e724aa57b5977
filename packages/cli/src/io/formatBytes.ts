/**
 * A byte count for people: `formatBytes(1536)` is `"1.5 KiB"`.
 *
 * @example
 * process.stderr.write(`${formatBytes(done)} of ${formatBytes(total)}`);
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
