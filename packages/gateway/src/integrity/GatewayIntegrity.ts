import type { BackendKind, OpenAiRoute } from "@aviary/protocol";
import type { SupplierStatsBook } from "@aviary/sdk";
import type { Logger } from "pino";
import type { Address, Hex, PublicClient } from "viem";
import type { AuditConfig } from "../config/gatewayConfig.ts";
import type { ModelEvaluationBoard } from "../evaluation/ModelEvaluationBoard.ts";
import type { SupplierEvaluationBook } from "../evaluation/SupplierEvaluationBook.ts";
import type { RelayHooks, RelayObserver } from "../server/RelayObserver.ts";
import type { GatewayStore } from "../store/GatewayStore.ts";

// The gateway's extension point for integrity auditing (protocol.md §8–§9). The gateway defines what an
// auditor is given and what it answers; `@aviary/audit` implements it (`createIntegrityMonitor`), and the
// composition root (`aviary gateway start`, tests) passes it to `startGateway` when `audit.enabled`. The gateway
// never imports an auditor: without one it loads no model runtime, and its public audit routes answer empty.

/** A supplier as discovery lists it for a model. */
export type AuditTarget = {
  address: string;
  endpoint: string;
  /**
   * What it declares for the model (`GET /v1/supplier`), when known: audits ask for logprobs only if offered,
   * and replay sampled answers only on the embedded runtime (`backend`).
   */
  capabilities?: { logprobs: boolean; backend?: BackendKind };
};

/**
 * Sends one request through the gateway's own relay path (`handleRelay` under the audit key): the same
 * signing, headers, routing (restricted by `provider.only`), failover rules and accounting as any user's.
 */
export type IntegrityRelay = (
  route: OpenAiRoute,
  body: Uint8Array,
  hooks: RelayHooks,
  signal: AbortSignal,
) => Promise<Response>;

/** What `startGateway` gives an integrity auditor. */
export type GatewayIntegrityContext = {
  /** The configuration's `audit` section, validated with the rest of the file. */
  config: AuditConfig;
  store: GatewayStore;
  /** Routing's stats: audits raise or cut reputation here. */
  book: SupplierStatsBook;
  /** What is published about each supplier (`GET /public/v1/suppliers`). */
  evaluation: SupplierEvaluationBook;
  /** Evaluation-set scores per model (`GET /public/v1/models/evaluation`). */
  board: ModelEvaluationBoard;
  logger: Logger;
  publicClient: PublicClient;
  registry: Address;
  /**
   * The gateway's own API key for audit relays (named `aviary-integrity-audits`, created on first use) and a
   * relay under it. Called once the auditor's references are loaded, so a start that fails before creates no key.
   */
  openAuditKey: () => Promise<{ keyId: string; relay: IntegrityRelay }>;
  /** The suppliers offering a model now (discovery, current session). */
  suppliersOf: (modelId: Hex) => Promise<AuditTarget[]>;
};

/** Where one (supplier, model)'s sequential test stands, as `GET /public/v1/audits/sequential` publishes it. */
export type SequentialTestSnapshot = {
  /** Lowercase address. */
  supplier: string;
  model: string;
  /** The CUSUM of log-likelihood ratios now, nats (0 after a flag). */
  statistic: number;
  /** It flags at this, nats. */
  threshold: number;
  /** Covert audits weighed since the last flag (or since the gateway started). */
  audits: number;
  /** Greedy positions and, of those, tokens that were not the reference's argmax, since the last flag. */
  greedyPositions: number;
  flips: number;
  /** Reported log-probabilities compared since the last flag. */
  logProbTokens: number;
  /** Sampled positions replayed with the supplier's seed, and of those the ones that differed, since the last flag. */
  replayedTokens: number;
  replayDivergences: number;
  /** Flags raised since the gateway started. */
  flags: number;
  /** Milliseconds since the epoch of the last audit weighed. */
  updatedAt: number;
};

/** One covert image audit as published at `GET /public/v1/audits/images`. */
export type ImageAuditRender = {
  supplier: string;
  model: string;
  /** ISO 8601. */
  createdAt: string;
  prompt: string;
  seed: number;
  steps: number;
  size: string;
  passed: boolean;
  distance: number;
  /** The supplier's first image, base64 PNG. */
  supplierImage: string;
  /** The reference's render of the same request, base64 PNG. */
  referenceImage: string;
};

/** A running integrity auditor, as `startGateway` drives it. */
export type GatewayIntegrity = {
  /** Given to the relay path in place of the evaluation observer: it must feed the evaluation book too. */
  readonly observer: RelayObserver;
  /** Reads past audits and evidence from the store (after a restart), before the gateway serves. */
  restore(): Promise<void>;
  /** Starts auditing, once the gateway listens. */
  start(): void;
  /** Stops auditing and releases the references (the gateway is stopping). */
  stop(): Promise<void>;
  /** Each (supplier, model)'s accumulating-evidence test, for `GET /public/v1/audits/sequential`. */
  sequentialTests(): readonly SequentialTestSnapshot[];
  /** The latest covert image audits' renders, newest first, for `GET /public/v1/audits/images`. */
  imageAudits(): readonly ImageAuditRender[];
};

/**
 * Creates the integrity auditor of a gateway whose configuration has `audit.enabled` (loading its references).
 * A rejection fails `startGateway`, which then releases what it started.
 *
 * @example
 * ```ts
 * // createIntegrityMonitor: the factory of @aviary/audit (the gateway never imports it; its caller does)
 * const gateway = await startGateway(config, { integrity: createIntegrityMonitor });
 * ```
 */
export type GatewayIntegrityFactory<Integrity extends GatewayIntegrity = GatewayIntegrity> = (
  context: GatewayIntegrityContext,
) => Promise<Integrity>;
