import type { TransactionReceipt } from "viem";

/**
 * Runs one transaction step, telling the user on stderr what is being sent and where it was mined:
 * `sending stake transaction … mined in block 42`. Results go to stdout; progress never does.
 *
 * @param label - what is being sent, e.g. "sending stake transaction (2000 AVY)".
 * @param send - sends the transaction and waits for its receipt (a chain action).
 * @example
 * await withProgress("sending stake transaction", () => stakeApplication(clients, { registry, amount }));
 */
export async function withProgress<Result extends { receipt: TransactionReceipt }>(
  label: string,
  send: () => Promise<Result>,
): Promise<Result> {
  process.stderr.write(`${label} … `);
  try {
    const result = await send();
    process.stderr.write(`mined in block ${result.receipt.blockNumber}\n`);
    return result;
  } catch (error) {
    process.stderr.write("failed\n");
    throw error;
  }
}
