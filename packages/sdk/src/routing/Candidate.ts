import type { SupplierStats } from "./SupplierStats.ts";

/**
 * A supplier that can serve the request, with its offer for this session and its measured stats.
 *
 * @example
 * ```ts
 * const candidate: Candidate = { address, endpoint, inputPrice: 10n, outputPrice: 30n, stats: book.statsFor({ address, endpoint }, now) };
 * ```
 */
export type Candidate = {
  /** Operator address. */
  address: string;
  /** Endpoint URL (`{endpoint}/v1/relay/...`). */
  endpoint: string;
  /** Token wei per input (prompt) token. */
  inputPrice: bigint;
  /** Token wei per output (completion) token. */
  outputPrice: bigint;
  stats: SupplierStats;
};
