import { ContractFunctionRevertedError, BaseError as ViemBaseError } from "viem";

/**
 * One line saying why something failed, for logs and failure reasons: a contract revert as its custom error
 * (`OutsideWindow(7, 52, 44, 51)`), a viem error by its short message, anything else by its message.
 *
 * @example
 * ```ts
 * logger.warn({ err: error }, `claim failed: ${describeError(error)}`);
 * ```
 */
export function describeError(error: unknown): string {
  if (error instanceof ViemBaseError) {
    const revert = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError && revert.data) {
      const args = (revert.data.args ?? []).map((value) => String(value)).join(", ");
      return `${revert.data.errorName}(${args})`;
    }
    if (revert instanceof ContractFunctionRevertedError && revert.reason) return revert.reason;
    return error.shortMessage;
  }
  if (error instanceof Error)
    return (error as { shortMessage?: string }).shortMessage ?? error.message.split("\n")[0] ?? "";
  return String(error);
}
