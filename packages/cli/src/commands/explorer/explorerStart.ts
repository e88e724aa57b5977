import { readFileSync } from "node:fs";
import pino from "pino";
import { z } from "zod";
import { CliInputError } from "../../errors.ts";
import { runUntilSignal } from "../../io/runUntilSignal.ts";
import type { ExplorerStartOptions } from "./explorerStart.command.ts";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an 0x-prefixed 20-byte address");

/** `explorer.json`: what `aviary explorer start --config` reads (`devnet up` writes one in its state folder). */
export const explorerConfigSchema = z
  .object({
    rpcUrl: z.string().url(),
    chainId: z.number().int().positive(),
    contracts: z.object({ token: address, registry: address, settlement: address }),
    /** The deployment's block (decimal string or number): logs are read from here. */
    deployBlock: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).default(0),
    gateways: z.array(z.string().url()).default([]),
    host: z.string().min(1).default("127.0.0.1"),
    port: z.number().int().min(0).max(65_535).default(8090),
    pollIntervalMs: z.number().int().min(10).max(600_000).optional(),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error", "silent"]).default("info"),
  })
  .strict();

export type ExplorerConfig = z.infer<typeof explorerConfigSchema>;

/**
 * `aviary explorer start --config explorer.json`: indexes the chain, serves the web UI until SIGINT/SIGTERM,
 * then stops polling and closes the server.
 */
export async function explorerStart(options: ExplorerStartOptions): Promise<void> {
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(options.config, "utf8"));
  } catch (error) {
    throw new CliInputError(
      `Cannot read the explorer configuration ${options.config}: ${(error as Error).message}`,
    );
  }
  const parsed = explorerConfigSchema.safeParse(input);
  if (!parsed.success)
    throw new CliInputError(
      `The explorer configuration ${options.config} is invalid: ${z.prettifyError(parsed.error).replaceAll("\n", " ")}`,
    );
  const config = parsed.data;
  // Loaded only when run: the other commands need none of the explorer's dependencies.
  const { startExplorer } = await import("@aviary/explorer");
  const explorer = await startExplorer({
    rpcUrl: config.rpcUrl,
    chainId: config.chainId,
    contracts: config.contracts,
    deployBlock: BigInt(config.deployBlock),
    gateways: config.gateways,
    host: config.host,
    port: config.port,
    pollIntervalMs: config.pollIntervalMs,
    logger: pino({ level: config.logLevel, name: "explorer" }),
  });
  console.log(`ready: explorer at ${explorer.url}`);
  await runUntilSignal(() => explorer.stop());
}
