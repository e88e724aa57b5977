import { BaseError } from "@aviary/protocol";

/** Bad CLI input: arguments, flags, environment variables or stdin. Exit code 2. */
export class CliInputError extends BaseError {
  override name = "CliInputError";
  constructor(message: string, hints: string[] = []) {
    super(message, { metaMessages: hints });
  }
}

/**
 * The chain's RPC endpoint did not answer (not running, wrong URL). Exit code 2 (the command's setup is wrong:
 * the configured or given RPC URL); retrying may help once the chain runs.
 */
export class ChainUnreachableError extends BaseError {
  override name = "ChainUnreachableError";
  constructor({ rpcUrl, cause }: { rpcUrl: string; cause?: unknown }) {
    super(`The chain at ${rpcUrl} does not answer.`, {
      cause,
      details: briefly(cause),
      isRetryable: true,
      metaMessages: [
        "Is the network running? Start it with `npm start` (or `npx aviary devnet up`),",
        "or point the command at another chain with --home or --rpc-url.",
      ],
    });
  }
}

/** `aviary model pull` could not fetch or verify a model's weights. Exit code 1. */
export class ModelPullError extends BaseError {
  override name = "ModelPullError";
  constructor(
    message: string,
    parameters: { hints?: string[]; cause?: unknown; isRetryable?: boolean } = {},
  ) {
    super(message, {
      metaMessages: parameters.hints,
      cause: parameters.cause,
      isRetryable: parameters.isRetryable,
    });
  }
}

/**
 * Errors that mean the command was set up wrong (its arguments, environment, configuration or state files, or the
 * chain they name does not answer), not that the work failed: exit code 2. Names, not classes, so that loading
 * this file does not load the packages that define them.
 */
const setupErrorNames = new Set([
  "CliInputError",
  "ChainUnreachableError",
  "SupplierConfigError",
  "GatewayConfigError",
  "GatewayStoreConfigError",
  "DevnetStateError",
  "TrieInputError",
  "DeploymentFileError",
  "DeploymentParametersError",
]);

/**
 * The exit status for an error a command threw: 2 for usage, input, configuration and unreachable-chain errors
 * (see `setupErrorNames`; a viem HTTP or timeout error whose request never got an answer counts as an
 * unreachable chain), 1 for everything else (a reverted transaction, a failed download, a bug).
 *
 * @param error - what the command threw.
 * @example
 * process.exitCode = exitCodeOf(new CliInputError("--amount must be positive")); // 2
 */
export function exitCodeOf(error: unknown): 1 | 2 {
  if (error instanceof Error && setupErrorNames.has(error.name)) return 2;
  // Down viem's own cause chain only (an Aviary error wrapping a timeout, e.g. a download, is not the chain).
  for (let current = error; isViemError(current); current = current.cause) {
    if (current.name === "TimeoutError") return 2;
    if (current.name === "HttpRequestError" && (current as Error & { status?: number }).status === undefined)
      return 2;
  }
  return 1;
}

function isViemError(error: unknown): error is Error {
  // viem's BaseError carries its version ("2.57.20"); Aviary's does not.
  return error instanceof Error && typeof (error as Error & { version?: unknown }).version === "string";
}

/** One line about `cause`: viem's short message and its details ("HTTP request failed. (fetch failed)"). */
function briefly(cause: unknown): string | undefined {
  if (!(cause instanceof Error)) return cause === undefined ? undefined : String(cause);
  const { shortMessage, details } = cause as Error & { shortMessage?: string; details?: string };
  const first = shortMessage ?? cause.message.split("\n")[0];
  return details && details !== first ? `${first} (${details})` : first;
}
