import { BaseError } from "./BaseError.ts";

/**
 * A key was inserted into the sum trie twice. The trie rejects duplicates (a relay key is unique per nonce;
 * two leaves with one key would be a supplier bug or double counting).
 *
 * @example
 * ```ts
 * throw new TrieDuplicateKeyError({ key: "0x…" });
 * ```
 */
export class TrieDuplicateKeyError extends BaseError {
  override name = "TrieDuplicateKeyError";
  readonly key: `0x${string}`;
  constructor({ key }: { key: `0x${string}` }) {
    super("Key is already in the sum trie.", {
      metaMessages: [`Key: ${key}`],
      details: "Each relay key may appear once; duplicates are rejected, not replaced.",
    });
    this.key = key;
  }
}

/**
 * An input to the sum trie is malformed (bad hex, weight outside uint128, …).
 *
 * @example
 * ```ts
 * throw new TrieInputError({ reason: "weight must be a uint128" });
 * ```
 */
export class TrieInputError extends BaseError {
  override name = "TrieInputError";
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Invalid sum trie input: ${reason}.`, { cause });
  }
}

/**
 * The trie's total weight would exceed uint128 (the contract could not encode the root sum).
 *
 * @example
 * ```ts
 * throw new TrieSumOverflowError({ total: 2n ** 128n });
 * ```
 */
export class TrieSumOverflowError extends BaseError {
  override name = "TrieSumOverflowError";
  constructor({ total }: { total: bigint }) {
    super("Sum trie total weight overflows uint128.", { metaMessages: [`Total: ${total}`] });
  }
}

/**
 * A proof was asked of an empty trie.
 *
 * @example
 * ```ts
 * throw new TrieEmptyError();
 * ```
 */
export class TrieEmptyError extends BaseError {
  override name = "TrieEmptyError";
  constructor() {
    super("The sum trie is empty: there is no leaf to prove.");
  }
}

/**
 * Why a weighted proof is rejected. The first four mirror the contract's `ProofVerdict` (and its errors
 * `InvalidProofDepth`, `RootMismatch`, `LeafNotDrawn`); the last three are `verifyRelayProof`'s checks of the
 * relay itself (`ReceiptMismatch`, `CostAboveMax`, `RelayNotMined`).
 */
export type ProofInvalidReason =
  | "malformed"
  | "depth"
  | "root-mismatch"
  | "not-drawn"
  | "receipt-mismatch"
  | "cost-above-max"
  | "not-mined";

/**
 * A proof is structurally invalid (thrown by conversions; verifiers return a verdict instead of throwing).
 *
 * @example
 * ```ts
 * throw new ProofInvalidError({ reason: "depth", details: "emptyMask has bits at or above the depth" });
 * ```
 */
export class ProofInvalidError extends BaseError {
  override name = "ProofInvalidError";
  readonly reason: ProofInvalidReason;
  constructor({ reason, details }: { reason: ProofInvalidReason; details?: string }) {
    super(`Invalid proof (${reason}).`, details === undefined ? {} : { details });
    this.reason = reason;
  }
}
