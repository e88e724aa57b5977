import type { RelayDomainParameters, SessionParams, TrieNode } from "@aviary/protocol";
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import type { RelayStore } from "../store/RelayStore.ts";
import type { ClaimBook } from "./ClaimBook.ts";
import type { LifecycleAction } from "./errors.ts";
import type { MineSessionReturnType, SkippedRecord } from "./mineSession.ts";

/** What the lifecycle logs through: pino's `(fields, message)` call shape; any pino logger fits. */
export type LifecycleLogger = {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
};

/** A logger that drops everything (the default). */
export const silentLogger: LifecycleLogger = { info() {}, warn() {}, error() {} };

/**
 * What the lifecycle reports to `onEvent`, as it happens. `adopted` means the chain already showed the step
 * done (by an earlier run of this node, or by anyone for `settle`): nothing was sent for it.
 */
export type LifecycleEvent =
  | {
      type: "mined";
      session: bigint;
      served: number;
      mined: number;
      claims: number;
      skipped: SkippedRecord[];
    }
  | { type: "transaction"; session: bigint; action: LifecycleAction; claimKey?: Hex; transactionHash: Hex }
  | {
      /** A claim not sent (this block) because the supplier's unlocked stake cannot cover its collateral. */
      type: "insufficient-collateral";
      session: bigint;
      claimKey: Hex;
      /** `claimCollateral(amount)`: what the claim would lock. */
      required: bigint;
      /** The unlocked stake left after the claims of this batch sent before it. */
      available: bigint;
    }
  | {
      type: "claimed";
      session: bigint;
      claimKey: Hex;
      application: Address;
      model: Hex;
      root: TrieNode;
      adopted: boolean;
      transactionHash?: Hex;
    }
  | {
      type: "proven";
      session: bigint;
      claimKey: Hex;
      adopted: boolean;
      /** The relays proven: drawn by sum and by count (the same key when one leaf was drawn twice). */
      relayKeys?: { sum: Hex; count: Hex };
      transactionHash?: Hex;
    }
  | { type: "not-required"; session: bigint; claimKey: Hex }
  | { type: "settled"; session: bigint; claimKey: Hex; paid: bigint; adopted: boolean; transactionHash?: Hex }
  | { type: "failed"; session: bigint; claimKey: Hex; stage: LifecycleStage; reason: string }
  | { type: "retry"; session?: bigint; action: string; claimKey?: Hex; message: string; error: unknown }
  | { type: "pruned"; session: bigint };

/** Which step a claim failed in: its claim window, its proof window, or settlement. */
export type LifecycleStage = "claim" | "proof" | "settle";

/** Shared by the lifecycle's steps (claimSession, proveSession, settleSession). Internal. */
export type LifecycleContext = {
  store: RelayStore;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  settlement: Address;
  registry: Address;
  supplier: Address;
  domain: RelayDomainParameters;
  sessionParams: SessionParams;
  claimAfterBlocks: bigint;
  receiptTimeoutMs: number;
  pollingIntervalMs: number;
  /** Claims handled at once in a step (their receipts are awaited together). */
  concurrency: number;
  /** Runs `send` after every send before it finished: one nonce at a time, in order. */
  serializeSend<T>(send: () => Promise<T>): Promise<T>;
  logger: LifecycleLogger;
  book: ClaimBook;
  /** The settlement's `missingProofPenalty` (fixed at deployment: read once). */
  missingProofPenalty(): Promise<bigint>;
  /** Mines a session once per process (cached until pruned). */
  mine(session: bigint): Promise<MineSessionReturnType>;
  /** Transactions sent whose receipt was not seen yet, by action key (`claim:<claimKey>`, …). */
  inFlight: Map<string, Hex>;
  /** The last error of each action key, for the failure reason when its window closes. */
  lastErrors: Map<string, string>;
  emit(event: LifecycleEvent): void;
  /** Logs a failed attempt (retried on the next tick) and remembers it for the action. */
  retry(parameters: { session?: bigint; action: string; claimKey?: Hex; error: unknown }): void;
  /** Records a claim as failed for good, with its reason. */
  fail(
    stage: LifecycleStage,
    state: Omit<import("../store/RelayStore.ts").ClaimState, "status" | "updatedAt" | "error">,
    reason: string,
  ): Promise<void>;
};
