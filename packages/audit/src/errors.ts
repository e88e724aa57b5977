/**
 * Errors of the gateway's integrity audits. Every one is a `BaseError` of `@aviary/protocol`.
 * @module
 */
import { BaseError } from "@aviary/protocol";

/**
 * The reference copy of an audited model cannot be used: the file is missing, not a GGUF file, or the runtime
 * cannot load it.
 *
 * @example
 * ```ts
 * throw new ReferenceModelLoadError({ path: "/models/x.gguf", reason: "the file does not exist" });
 * ```
 */
export class ReferenceModelLoadError extends BaseError {
  override name = "ReferenceModelLoadError";
  readonly path: string;
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: unknown }) {
    super(`The reference model ${path} cannot be loaded: ${reason}.`, {
      cause,
      metaMessages: ["Point `audit.models[].referencePath` at the registered model's GGUF file."],
    });
    this.path = path;
  }
}

/**
 * The reference file is not the registered model: its SHA-256 differs from the `weightsDigest` the model's
 * source registered on-chain. Audits against it would judge suppliers by the wrong weights.
 *
 * @example
 * ```ts
 * throw new ReferenceModelDigestMismatchError({ model: "llama", path, expected, actual });
 * ```
 */
export class ReferenceModelDigestMismatchError extends BaseError {
  override name = "ReferenceModelDigestMismatchError";
  readonly expected: string;
  readonly actual: string;
  constructor({
    model,
    path,
    expected,
    actual,
  }: { model: string; path: string; expected: string; actual: string }) {
    super(`The reference file for model "${model}" is not its registered weights.`, {
      metaMessages: [`File:       ${path}`, `Registered: ${expected}`, `File has:   ${actual}`],
    });
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * An audited model is not registered on-chain (no weights digest to verify the reference against).
 *
 * @example
 * ```ts
 * throw new AuditModelNotRegisteredError({ model: "llama" });
 * ```
 */
export class AuditModelNotRegisteredError extends BaseError {
  override name = "AuditModelNotRegisteredError";
  constructor({ model }: { model: string }) {
    super(`The audited model "${model}" is not registered on-chain.`, {
      metaMessages: [
        "Audit only registered models: the reference is verified against the registered digest.",
      ],
    });
  }
}

/**
 * An audit relay could not be completed (no supplier answered, the stream broke, no exchange came back). Not a
 * verdict on the supplier: availability is measured by routing.
 *
 * @example
 * ```ts
 * throw new AuditRelayFailedError({ supplier, reason: "HTTP 502 suppliers_unavailable" });
 * ```
 */
export class AuditRelayFailedError extends BaseError {
  override name = "AuditRelayFailedError";
  constructor({ supplier, reason, cause }: { supplier: string; reason: string; cause?: unknown }) {
    super(`The audit relay to ${supplier} did not complete: ${reason}.`, { cause, isRetryable: true });
  }
}
