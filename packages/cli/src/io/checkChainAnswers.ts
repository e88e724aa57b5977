import { createPublicClient, http } from "viem";
import { ChainUnreachableError, CliInputError } from "../errors.ts";

/**
 * Checks that the JSON-RPC endpoint answers (3 s, no retries) and, when `expectedChainId` is given, that it is
 * that chain; a config file naming a dead or wrong chain then fails fast with exit code 2, before anything is sent.
 *
 * @param rpcUrl - the endpoint, e.g. a config file's `chain.rpcUrl`.
 * @param expectedChainId - the chain id the config names.
 * @param source - what named the chain id, for the error message, e.g. "gateway.json".
 * @param hints - what to do about a wrong chain id, shown with the error.
 * @example
 * await checkChainAnswers(config.chain.rpcUrl, config.chain.chainId, "gateway.json");
 */
export async function checkChainAnswers(
  rpcUrl: string,
  expectedChainId?: number,
  source = "the configuration",
  hints: string[] = [],
): Promise<number> {
  let chainId: number;
  try {
    chainId = await createPublicClient({
      transport: http(rpcUrl, { retryCount: 0, timeout: 3_000 }),
    }).getChainId();
  } catch (cause) {
    throw new ChainUnreachableError({ rpcUrl, cause });
  }
  if (expectedChainId !== undefined && chainId !== expectedChainId) {
    throw new CliInputError(
      `The chain at ${rpcUrl} has id ${chainId}, but ${source} says chain id ${expectedChainId}.`,
      hints,
    );
  }
  return chainId;
}
