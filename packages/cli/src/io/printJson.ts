/**
 * Prints `value` as one JSON document on stdout, bigints as decimal strings (wei amounts overflow JSON numbers).
 *
 * @example
 * printJson({ stake: 10n ** 21n }); // {"stake":"1000000000000000000000"}
 */
export function printJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(value, (_, item) => (typeof item === "bigint" ? item.toString() : item), 2)}\n`,
  );
}
