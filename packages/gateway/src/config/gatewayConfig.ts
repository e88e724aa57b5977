import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { BaseError } from "@aviary/protocol";
import { z } from "zod";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an 0x-prefixed 20-byte address");
const privateKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be an 0x-prefixed 32-byte private key");

/** The gateway's configuration file (JSON). Environment variables override: see `loadGatewayConfig`. */
export const gatewayConfigSchema = z
  .object({
    chain: z
      .object({
        rpcUrl: z.string().url(),
        chainId: z.number().int().positive(),
        registry: address,
        settlement: address,
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
  const parsed = gatewayConfigSchema.safeParse(merged);
  if (!parsed.success) {
    throw new GatewayConfigError(
      source,
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
    );
  }
  const config = parsed.data;
  if (!/^postgres(ql)?:\/\//.test(config.store) && config.store !== ":memory:" && !isAbsolute(config.store)) {
    config.store = resolve(baseDirectory, config.store);
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
