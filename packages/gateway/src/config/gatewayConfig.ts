import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { BaseError } from "@aviary/protocol";
import { applyDeploymentFile } from "@aviary/sdk";
import { z } from "zod";
import { auditThresholdsSchema } from "./auditThresholdsSchema.ts";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an 0x-prefixed 20-byte address");
const privateKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be an 0x-prefixed 32-byte private key");

/** One audited model: its registered name and the gateway's reference copy of its weights. */
const auditedModelSchema = z
  .object({
    /** The model's registered name. */
    name: z.string().min(1),
    /** The GGUF file (relative to the config file); its SHA-256 must be the registered `weightsDigest`. */
    referencePath: z.string().min(1),
    /** Tokens a scored prompt + output may hold. */
    contextSize: z.number().int().min(64).max(1_048_576).default(4096),
    /** Evaluation batch size; null: the runtime's default. `1` replays decoding bit for bit. */
    batchSize: z.number().int().positive().nullable().default(null),
    /** CPU threads of the reference runtime. */
    threads: z.number().int().min(0).max(256).default(1),
    /** Output tokens guessed and evaluated per scoring batch. */
    speculativeWindow: z.number().int().min(1).max(256).default(16),
    /** Overrides of the audit thresholds (see `docs/integrity.md`); any subset. */
    thresholds: auditThresholdsSchema.default(auditThresholdsSchema.parse({})),
  })
  .strict();

/**
 * One audited image model: its registered name and the gateway's reference copy of its pipeline. Audits
 * re-render the supplier's images on it with the same seed and compare (see `docs/integrity.md`).
 */
const auditedImageModelSchema = z
  .object({
    /** The model's registered name. */
    name: z.string().min(1),
    /**
     * The pipeline manifest (`pipeline.json`) or its directory (relative to the config file); the manifest's
     * SHA-256 must be the registered `weightsDigest`.
     */
    referencePath: z.string().min(1),
    /** CPU threads of the reference runtime. */
    threads: z.number().int().min(0).max(256).default(1),
    /**
     * `exact`: an image must be byte-for-byte the reference's (suppliers run the same runtime); `perceptual`:
     * its mean absolute RGB difference from the reference's (0–1) must be at most `maxDistance`.
     */
    comparison: z.enum(["exact", "perceptual"]).default("perceptual"),
    /** Largest mean absolute per-channel RGB difference (0–1) of a passing image (calibration: docs/integrity.md). */
    maxDistance: z.number().min(0).max(1).default(0.003),
    /** Bounds of the audit requests' `steps` (clipped to the pipeline's `maxSteps`). */
    steps: z
      .object({ min: z.number().int().min(1), max: z.number().int().min(1) })
      .strict()
      .refine((value) => value.min <= value.max, "min must be ≤ max")
      .default({ min: 4, max: 20 }),
    /** Most images (`n`) per audit request. */
    maxImages: z.number().int().min(1).max(10).default(2),
    /**
     * Sizes audit requests draw from (each must be one the pipeline renders); default all of the pipeline's.
     * Smaller sizes cost the reference less to re-render and `GET /public/v1/audits/images` less to serve.
     */
    sizes: z
      .array(z.string().regex(/^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$/, 'must be "WxH"'))
      .min(1)
      .optional(),
  })
  .strict();

/**
 * Covert audits, billing audits and public evaluation (protocol.md §8–§9). Off unless configured. Validated
 * here with the rest of the file; run by the auditor the caller passes to `startGateway` (`@aviary/audit`).
 */
export const auditConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    models: z.array(auditedModelSchema).default([]),
    /** Image models audited by re-rendering (same rates and schedule as `models`). */
    imageModels: z.array(auditedImageModelSchema).default([]),
    /** Audits whose renders (supplier's and reference's) are kept per supplier for `GET /public/v1/audits/images`. */
    imageRendersPerSupplier: z.number().int().min(0).max(32).default(4),
    /** Audits per minute per supplier and model for an established supplier in good standing (Poisson). */
    ratePerMinute: z.number().min(0).max(600).default(0.2),
    /** Audits until a supplier stops counting as new. */
    newSupplierAudits: z.number().int().min(0).default(20),
    /** Rate multiplier for a brand-new supplier (fades over `newSupplierAudits`). */
    newSupplierBoost: z.number().min(1).max(100).default(4),
    /** Rate multiplier at reputation 0 (1 at 80 and above). */
    lowReputationBoost: z.number().min(1).max(100).default(4),
    /** Audits in flight at once (each also holds the reference model for its scoring). */
    maxConcurrent: z.number().int().min(1).max(16).default(1),
    /** Bounds of the audit prompts' `max_tokens`. */
    maxTokens: z
      .object({ min: z.number().int().min(1), max: z.number().int().min(1) })
      .strict()
      .refine((value) => value.min <= value.max, "min must be ≤ max")
      .default({ min: 16, max: 256 }),
    /**
     * Share of covert audits that ask for log-probabilities, of suppliers that declare `logprobs` (as a share
     * of users would): compared token by token with the reference's, the strongest evidence against a
     * lower-precision copy (docs/integrity.md, Accumulating evidence).
     */
    logprobShare: z.number().min(0).max(1).default(0.25),
    /** Recount the tokens of every relay of an audited model (not only audits). */
    billingEveryRelay: z.boolean().default(true),
    /** Draw a reference sample per sampled audit and run the two-sample test per supplier and model. */
    distributionTest: z.boolean().default(true),
    /**
     * Run the fixed evaluation set against every supplier this often (ms); null: never on a timer. Its runs
     * feed the public model evaluation only: they are not audits and do not move reputation.
     */
    evaluationIntervalMs: z.number().int().min(60_000).nullable().default(21_600_000),
    /**
     * Mean wait between two items of a scheduled evaluation-set run (ms; each wait is drawn uniformly in
     * 0.5–1.5× this), so a run is spread over minutes instead of a burst.
     */
    evaluationItemGapMs: z.number().int().min(0).max(600_000).default(5_000),
    /** Wall-clock limit of one audit relay (ms). */
    relayTimeoutMs: z.number().int().min(1000).max(600_000).default(120_000),
    /** Seed of the audit draws (schedules, prompts) for reproducible tests; null: unpredictable (production). */
    seed: z.number().int().nullable().default(null),
  })
  .strict()
  .refine((audit) => !audit.enabled || audit.models.length + audit.imageModels.length > 0, {
    message: "audit.enabled needs at least one entry in audit.models or audit.imageModels",
    path: ["models"],
  });

export type AuditConfig = z.output<typeof auditConfigSchema>;
export type AuditedImageModelConfig = z.output<typeof auditedImageModelSchema>;

/** The gateway's configuration file (JSON). Environment variables override: see `loadGatewayConfig`. */
export const gatewayConfigSchema = z
  .object({
    chain: z
      .object({
        rpcUrl: z.string().url(),
        chainId: z.number().int().positive(),
        registry: address,
        settlement: address,
        /** A deployment file from `aviary deploy` (relative to this file): fills chainId, registry, settlement. */
        deployment: z.string().min(1).optional(),
      })
      .strict(),
    /** The gateway's key: signs relays for the applications that delegated to it. Prefer AVIARY_GATEWAY_KEY. */
    gatewayKey: privateKey,
    /** Applications that delegated to this gateway; relays are signed on their behalf, their budgets spent. */
    applications: z
      .array(address)
      .min(1, "must list at least one application that delegated to this gateway"),
    server: z
      .object({
        host: z.string().default("127.0.0.1"),
        port: z.number().int().min(0).max(65_535).default(8080),
        maxBodyBytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024)
          .default(1024 * 1024),
        shutdownGraceMs: z.number().int().min(0).max(600_000).default(30_000),
      })
      .strict()
      .default({ host: "127.0.0.1", port: 8080, maxBodyBytes: 1024 * 1024, shutdownGraceMs: 30_000 }),
    /** `postgres://…` for PostgreSQL, else a SQLite file path (relative to the config file). */
    store: z.string().min(1).default("gateway.sqlite"),
    routing: z
      .object({
        strategy: z
          .enum(["quality-price", "price", "latency", "throughput", "random"])
          .default("quality-price"),
        maxAttempts: z.number().int().min(1).max(10).default(3),
        firstByteTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
        idleTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
        /** Start a parallel attempt on another supplier after this many ms without an answer; null: off. */
        hedgeAfterMs: z.number().int().min(1).max(600_000).nullable().default(null),
      })
      .strict()
      .default({
        strategy: "quality-price",
        maxAttempts: 3,
        firstByteTimeoutMs: 30_000,
        idleTimeoutMs: 30_000,
        hedgeAfterMs: null,
      }),
    /** Default output limit when a request sets none (bounds maxCost). */
    defaultMaxTokens: z.number().int().min(1).max(1_000_000).default(256),
    /** Integrity: covert audits, billing audits, reputation, evidence and public evaluation. */
    audit: auditConfigSchema.default(auditConfigSchema.parse({})),
    log: z
      .object({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
      })
      .strict()
      .default({ level: "info" }),
  })
  .strict();

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;

export class GatewayConfigError extends BaseError {
  override name = "GatewayConfigError";
  constructor(source: string, problems: string[], cause?: unknown) {
    super(`The gateway configuration ${source} is invalid.`, { metaMessages: problems, cause });
  }
}

/**
 * Validates a gateway configuration object. `AVIARY_GATEWAY_KEY`, `AVIARY_RPC_URL`, `AVIARY_GATEWAY_PORT` and
 * `AVIARY_GATEWAY_STORE` override the file.
 *
 * @example
 * const config = parseGatewayConfig(JSON.parse(text), { source: "gateway.json" });
 */
export function parseGatewayConfig(
  input: unknown,
  { source = "(object)", baseDirectory = process.cwd(), environment = process.env } = {},
): GatewayConfig {
  const merged = structuredClone(input ?? {}) as Record<string, unknown>;
  if (environment.AVIARY_GATEWAY_KEY) merged.gatewayKey = environment.AVIARY_GATEWAY_KEY;
  if (environment.AVIARY_GATEWAY_STORE) merged.store = environment.AVIARY_GATEWAY_STORE;
  if (environment.AVIARY_RPC_URL)
    merged.chain = { ...((merged.chain ?? {}) as object), rpcUrl: environment.AVIARY_RPC_URL };
  if (environment.AVIARY_GATEWAY_PORT) {
    merged.server = { ...((merged.server ?? {}) as object), port: Number(environment.AVIARY_GATEWAY_PORT) };
  }
  const deploymentProblems = applyDeploymentFile(merged, baseDirectory, environment);
  const parsed = gatewayConfigSchema.safeParse(merged);
  if (!parsed.success || deploymentProblems.length > 0) {
    throw new GatewayConfigError(source, [
      ...deploymentProblems,
      ...(parsed.error?.issues ?? []).map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
    ]);
  }
  const config = parsed.data;
  if (!/^postgres(ql)?:\/\//.test(config.store) && config.store !== ":memory:" && !isAbsolute(config.store)) {
    config.store = resolve(baseDirectory, config.store);
  }
  for (const model of [...config.audit.models, ...config.audit.imageModels]) {
    if (!isAbsolute(model.referencePath)) model.referencePath = resolve(baseDirectory, model.referencePath);
  }
  return config;
}

/** The `createGatewayStore` options for a configured store: a PostgreSQL URL, or a SQLite path. */
export function gatewayStoreOptions(store: string): { url: string } | { path: string } {
  return /^postgres(ql)?:\/\//.test(store) ? { url: store } : { path: store };
}

/** Reads and validates a gateway configuration file. */
export function loadGatewayConfig(path: string, environment: NodeJS.ProcessEnv = process.env): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new GatewayConfigError(path, [`cannot be read: ${(cause as Error).message}`], cause);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new GatewayConfigError(path, [`is not JSON: ${(cause as Error).message}`], cause);
  }
  return parseGatewayConfig(json, { source: path, baseDirectory: dirname(resolve(path)), environment });
}
