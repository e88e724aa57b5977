import type { RelayReceipt, RelayRequest } from "@aviary/protocol";
import type { Hex } from "viem";

/** Everything needed to put a served relay into a claim and prove it later. */
export type RelayRecord = {
  /** EIP-712 digest of the request: the trie key. */
  relayKey: Hex;
  request: RelayRequest;
  requestSignature: Hex;
  receipt: RelayReceipt;
  receiptSignature: Hex;
  /** Unix milliseconds. */
  servedAt: number;
};

/** Where a claim is in its life. Persisted so a restart resumes instead of repeating or forgetting. */
export type ClaimStatus = "claimed" | "proven" | "not-required" | "settled" | "failed";

export type ClaimState = {
  claimKey: Hex;
  supplier: Hex;
  application: Hex;
  model: Hex;
  session: bigint;
  status: ClaimStatus;
  /** Root of the claimed trie (decimal strings for the bigints when serialized). */
  root: { hash: Hex; sum: bigint; count: bigint };
  /** Last transaction sent for this claim, if any. */
  transactionHash?: Hex;
  /** Tokens paid to the supplier at settlement (when known). */
  paid?: bigint;
  /** Why it failed (status `failed`). */
  error?: string;
  updatedAt: number;
};

/**
 * The supplier's crash-safe relay log and claim book. Every implementation passes
 * `describeRelayStoreConformance`.
 *
 * Durability: when `append` resolves, the record survives `kill -9` of the process.
 */
export interface RelayStore {
  open(): Promise<void>;
  /** Appends a served relay. Resolves once durable (group-committed with concurrent appends). */
  append(record: RelayRecord): Promise<void>;
  /** Every record of `session`, in append order. A torn last record (crash mid-write) is skipped. */
  readSession(session: bigint): AsyncIterable<RelayRecord>;
  /** Sessions that still have records (not pruned), ascending. */
  sessions(): Promise<bigint[]>;
  /** Deletes the records of `session` (after settlement). */
  prune(session: bigint): Promise<void>;
  getClaim(claimKey: Hex): Promise<ClaimState | undefined>;
  putClaim(state: ClaimState): Promise<void>;
  listClaims(): Promise<ClaimState[]>;
  close(): Promise<void>;
}
