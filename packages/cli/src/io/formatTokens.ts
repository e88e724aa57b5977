import { formatUnits } from "viem";
import { tokenDecimals } from "./parseTokenAmount.ts";

/**
 * Token wei as AVY for people: `formatTokens(1500000000000000000000n)` is `"1500 AVY"`.
 *
 * @example
 * console.log(`stake ${formatTokens(stake)}`);
 */
export function formatTokens(wei: bigint): string {
  return `${formatUnits(wei, tokenDecimals)} AVY`;
}
