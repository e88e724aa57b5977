import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { BaseError } from "@aviary/protocol";
import { applyDeploymentFile } from "@aviary/sdk";
import { z } from "zod";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an 0x-prefixed 20-byte address");
const privateKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be an 0x-prefixed 32-byte private key");
const price = z
  .union([
    z.string().regex(/^\d+$/, "must be a decimal string of token wei per unit"),
    z.number().int().nonnegative(),
  ])
  .transform((value) => BigInt(value));

const embeddedBackend = z
  .object({
    type: z.literal("embedded"),
    /** Path of the GGUF file (relative to the config file). */
    path: z.string().min(1),
    contextSize: z.number().int().min(128).max(131_072).default(2048),
    sequences: z.number().int().min(1).max(64).default(4),
    threads: z.number().int().min(1).max(256).default(1),
  })
  .strict();

/**
 * An image model in process (`@aviary/image-runtime`): `path` is its `pipeline.json` or the directory holding
 * it, relative to the config file; the manifest's SHA-256 must be the registered `weightsDigest`.
 */
const embeddedImageBackend = z
  .object({
    type: z.literal("embedded-image"),
    /** Path of the pipeline manifest (`pipeline.json`) or its directory (relative to the config file). */
    path: z.string().min(1),
    threads: z.number().int().min(1).max(256).default(1),
  })
  .strict();

/** What an `openai` image upstream renders, as the operator declares it. */
const openAiImageCapabilitiesSchema = z
  .object({
    /** Sizes it renders, `"WxH"`. */
    sizes: z.array(z.string().regex(/^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$/, "must be WxH")).min(1),
    /** Most denoising steps per image it accepts (at most 150). */
    maxSteps: z.number().int().min(1).max(150),
    /** Longest prompt it reads, in characters. */
    maxPromptCharacters: z.number().int().positive(),
  })
  .strict();

/** An `openai` backend's declared capabilities (see `capabilities` below); each key defaults to false. */
const openAiBackendCapabilitiesSchema = z
  .object({
    tools: z.boolean().optional(),
    jsonSchema: z.boolean().optional(),
    logprobs: z.boolean().optional(),
    images: z.boolean().optional(),
    contextLength: z.number().int().positive().optional(),
    /** What an image upstream renders: required when `routes` include `images/generations`. */
    image: openAiImageCapabilitiesSchema.optional(),
  })
  .strict();

/** What an operator declares an `openai` backend supports beyond text (supplier config `capabilities`). */
export type OpenAiBackendCapabilities = z.input<typeof openAiBackendCapabilitiesSchema>;

const openAiBackend = z
  .object({
    type: z.literal("openai"),
    /** e.g. http://127.0.0.1:8080/v1 (llama.cpp server, vLLM, Ollama). */
    baseUrl: z.string().url(),
    /** The model name the upstream server knows. */
    model: z.string().min(1),
    apiKey: z.string().optional(),
    timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
    /**
     * Routes the upstream serves; default chat and completions (embeddings need e.g. llama.cpp `--embeddings`;
     * `images/generations` an image server such as stable-diffusion.cpp's or LocalAI, with `capabilities.image`).
     */
    routes: z
      .array(z.enum(["chat/completions", "completions", "embeddings", "images/generations"]))
      .min(1)
      .optional(),
    /**
     * What the upstream serves beyond text, as the operator declares it: advertised in `GET /v1/supplier`
     * and routed on; a request using an undeclared feature is refused (400 `unsupported_parameter`).
     * Each key defaults to false (`contextLength`: unknown).
     */
    capabilities: openAiBackendCapabilitiesSchema.optional(),
  })
  .strict()
  .check((context) => {
    const { routes, capabilities } = context.value;
    if (routes?.includes("images/generations") && !capabilities?.image) {
      context.issues.push({
        code: "custom",
        path: ["capabilities", "image"],
        message:
          "required when `routes` include `images/generations`: { sizes, maxSteps, maxPromptCharacters }",
        input: capabilities,
      });
    }
  });

/**
 * The operator's data policy: `none` declares that no prompt or output is kept beyond serving the request
 * (what OpenRouter's `provider.data_collection: "deny"` selects); `unspecified` promises nothing.
 */
const dataRetention = z.enum(["none", "unspecified"]);

/** The supplier node's configuration file (JSON). Environment variables override: see `loadSupplierConfig`. */
export const supplierConfigSchema = z
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
    /** The supplier (owner) address named in relay requests and paid at settlement. */
    supplier: address,
    /** The operator key signs receipts and sends claims and proofs. Prefer AVIARY_OPERATOR_KEY. */
    operatorKey: privateKey,
    /** The owner key, only for `aviary supplier stake` / `offer`. Prefer AVIARY_OWNER_KEY. */
    ownerKey: privateKey.optional(),
    server: z
      .object({
        host: z.string().default("127.0.0.1"),
        port: z.number().int().min(0).max(65_535).default(8081),
        /** The endpoint registered on-chain; default http://host:port. */
        publicUrl: z.string().url().optional(),
        maxBodyBytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024)
          .default(1024 * 1024),
        /** Milliseconds to finish in-flight relays on shutdown. */
        shutdownGraceMs: z.number().int().min(0).max(600_000).default(30_000),
      })
      .strict()
      .default({ host: "127.0.0.1", port: 8081, maxBodyBytes: 1024 * 1024, shutdownGraceMs: 30_000 }),
    /** Relay log and claim book (relative to the config file). */
    dataDir: z.string().min(1),
    models: z
      .array(
        z
          .object({
            /** The registered model name; modelId = keccak256(name). */
            name: z.string().min(1),
            inputPrice: price,
            outputPrice: price,
            backend: z.discriminatedUnion("type", [embeddedBackend, embeddedImageBackend, openAiBackend]),
            /** This model's data policy; default the node's `dataRetention`. */
            dataRetention: dataRetention.optional(),
          })
          .strict(),
      )
      .min(1, "must list at least one model"),
    /** The data policy of every model that declares none of its own. Default `unspecified`. */
    dataRetention: dataRetention.default("unspecified"),
    log: z
      .object({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
      })
      .strict()
      .default({ level: "info" }),
  })
  .strict();

export type SupplierConfig = z.output<typeof supplierConfigSchema>;
export type SupplierConfigInput = z.input<typeof supplierConfigSchema>;

export class SupplierConfigError extends BaseError {
  override name = "SupplierConfigError";
  constructor(source: string, problems: string[], cause?: unknown) {
    super(`The supplier configuration ${source} is invalid.`, { metaMessages: problems, cause });
  }
}

/** Environment variables that override the file, for secrets and deployment-specific values. */
export const supplierEnvironment = {
  AVIARY_OPERATOR_KEY: "operatorKey",
  AVIARY_OWNER_KEY: "ownerKey",
  AVIARY_RPC_URL: "chain.rpcUrl",
  AVIARY_SUPPLIER_PORT: "server.port",
  AVIARY_SUPPLIER_PUBLIC_URL: "server.publicUrl",
  AVIARY_DEPLOYMENT: "chain.deployment",
} as const;

/**
 * Validates a supplier configuration object (paths resolved against `baseDirectory`).
 *
 * @example
 * const config = parseSupplierConfig(JSON.parse(text), { source: "supplier.json", baseDirectory: "." });
 */
export function parseSupplierConfig(
  input: unknown,
  { source = "(object)", baseDirectory = process.cwd(), environment = process.env } = {},
): SupplierConfig {
  const merged = structuredClone(input) as Record<string, unknown>;
  if (merged && typeof merged === "object") {
    if (environment.AVIARY_OPERATOR_KEY) merged.operatorKey = environment.AVIARY_OPERATOR_KEY;
    if (environment.AVIARY_OWNER_KEY) merged.ownerKey = environment.AVIARY_OWNER_KEY;
    const chain = (merged.chain ?? {}) as Record<string, unknown>;
    if (environment.AVIARY_RPC_URL) merged.chain = { ...chain, rpcUrl: environment.AVIARY_RPC_URL };
    const server = (merged.server ?? {}) as Record<string, unknown>;
    if (environment.AVIARY_SUPPLIER_PORT) server.port = Number(environment.AVIARY_SUPPLIER_PORT);
    if (environment.AVIARY_SUPPLIER_PUBLIC_URL) server.publicUrl = environment.AVIARY_SUPPLIER_PUBLIC_URL;
    if (environment.AVIARY_SUPPLIER_PORT || environment.AVIARY_SUPPLIER_PUBLIC_URL) merged.server = server;
  }
  const deploymentProblems =
    merged && typeof merged === "object" ? applyDeploymentFile(merged, baseDirectory, environment) : [];
  const parsed = supplierConfigSchema.safeParse(merged);
  if (!parsed.success || deploymentProblems.length > 0) {
    throw new SupplierConfigError(source, [
      ...deploymentProblems,
      ...(parsed.error?.issues ?? []).map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
    ]);
  }
  const config = parsed.data;
  const resolvePath = (path: string) => (isAbsolute(path) ? path : resolve(baseDirectory, path));
  config.dataDir = resolvePath(config.dataDir);
  for (const model of config.models) {
    if (model.backend.type === "embedded" || model.backend.type === "embedded-image")
      model.backend.path = resolvePath(model.backend.path);
  }
  const names = new Set<string>();
  for (const model of config.models) {
    if (names.has(model.name))
      throw new SupplierConfigError(source, [`models: "${model.name}" is listed twice`]);
    names.add(model.name);
  }
  return config;
}

/**
 * Reads, validates and resolves a supplier configuration file.
 *
 * @example
 * const config = loadSupplierConfig(".aviary/supplier-1.json");
 */
export function loadSupplierConfig(
  path: string,
  environment: NodeJS.ProcessEnv = process.env,
): SupplierConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new SupplierConfigError(path, [`cannot be read: ${(cause as Error).message}`], cause);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new SupplierConfigError(path, [`is not JSON: ${(cause as Error).message}`], cause);
  }
  return parseSupplierConfig(json, { source: path, baseDirectory: dirname(resolve(path)), environment });
}
