import { BaseError } from "@aviary/protocol";

/** Bad CLI input: arguments, flags, environment variables or stdin. Exit code 2. */
export class CliInputError extends BaseError {
  override name = "CliInputError";
  constructor(message: string, hints: string[] = []) {
    super(message, { metaMessages: hints });
  }
}

/** The chain's RPC endpoint did not answer (not running, wrong URL). Exit code 1; retrying may help. */
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

/** One line about `cause`: viem's short message and its details ("HTTP request failed. (fetch failed)"). */
function briefly(cause: unknown): string | undefined {
  if (!(cause instanceof Error)) return cause === undefined ? undefined : String(cause);
  const { shortMessage, details } = cause as Error & { shortMessage?: string; details?: string };
  const first = shortMessage ?? cause.message.split("\n")[0];
  return details && details !== first ? `${first} (${details})` : first;
}
