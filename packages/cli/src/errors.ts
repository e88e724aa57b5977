import { BaseError } from "@aviary/protocol";

/** Bad CLI input: arguments, flags or stdin. Exit code 2. */
export class CliInputError extends BaseError {
  override name = "CliInputError";
  constructor(message: string, hints: string[] = []) {
    super(message, { metaMessages: hints });
  }
}
