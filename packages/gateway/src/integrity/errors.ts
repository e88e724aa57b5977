import { BaseError } from "@aviary/protocol";

/**
 * The configuration enables audits (`audit.enabled`) but `startGateway` was given no auditor to run them
 * (`options.integrity`): the gateway does not load a model runtime of its own.
 *
 * @example
 * ```ts
 * throw new IntegrityFactoryMissingError();
 * ```
 */
export class IntegrityFactoryMissingError extends BaseError {
  override name = "IntegrityFactoryMissingError";
  constructor() {
    super(
      "The gateway configuration sets `audit.enabled`, but no integrity auditor was given to startGateway.",
      {
        metaMessages: [
          "Pass `{ integrity: createIntegrityMonitor }` of @aviary/audit (`aviary gateway start` does),",
          "or set `audit.enabled` to false.",
        ],
      },
    );
  }
}
