import type { AddressInfo } from "node:net";
import { aviaryChain } from "@aviary/protocol";
import { serve } from "@hono/node-server";
import pino, { type Logger } from "pino";
import { type Address, createPublicClient, getAddress, http, type PublicClient } from "viem";
import { z } from "zod";
import { ExplorerStartError } from "./errors.ts";
import { GatewayPoller } from "./gateways/GatewayPoller.ts";
import { ChainIndexer } from "./indexer/ChainIndexer.ts";
import { createExplorerApp } from "./server/createExplorerApp.ts";

export type StartExplorerParameters = {
  /** The chain's JSON-RPC URL, e.g. `http://127.0.0.1:8545`. */
  rpcUrl: string;
  chainId: number;
  /** The deployed contracts (`devnet.json`'s `contracts`). */
  contracts: { token: string; registry: string; settlement: string };
  /** First block whose logs are read (the deployment's). @default 0n */
  deployBlock?: bigint;
  /** Gateway base URLs whose `/public/v1/suppliers` (and `/public/v1/evidence`) are read. @default [] */
  gateways?: string[];
  /** @default "127.0.0.1" */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** How often the chain head is polled. @default 1000 */
  pollIntervalMs?: number;
  /** @default pino at "info" */
  logger?: Logger;
};

export type StartExplorerReturnType = {
  /** e.g. `http://127.0.0.1:4000`. */
  url: string;
  /** Stops polling and closes the server. */
  stop: () => Promise<void>;
};

export type StartExplorerErrorType = ExplorerStartError;

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an 0x-prefixed 20-byte address");
const parametersSchema = z.object({
  rpcUrl: z.string().url(),
  chainId: z.number().int().positive(),
  contracts: z.object({ token: address, registry: address, settlement: address }),
  deployBlock: z.bigint().nonnegative().default(0n),
  gateways: z.array(z.string().url()).default([]),
  host: z.string().min(1).default("127.0.0.1"),
  port: z.number().int().min(0).max(65_535).default(0),
  pollIntervalMs: z.number().int().min(10).max(600_000).default(1000),
});

/**
 * Starts the explorer: indexes the chain from `deployBlock` (the first pass finishes before this returns,
 * when the chain answers), keeps following it and the gateways' public APIs, and serves the web UI and its
 * JSON API. An unreachable chain or gateway is shown as such and retried; it never stops the explorer.
 *
 * @example
 * ```ts
 * const explorer = await startExplorer({
 *   rpcUrl: devnet.rpcUrl,
 *   chainId: devnet.chainId,
 *   contracts: devnet.contracts,
 *   gateways: ["http://127.0.0.1:8080"],
 * });
 * console.log(`explorer at ${explorer.url}`);
 * await explorer.stop();
 * ```
 */
export async function startExplorer(parameters: StartExplorerParameters): Promise<StartExplorerReturnType> {
  const { logger: givenLogger, ...rest } = parameters;
  const parsed = parametersSchema.safeParse(rest);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw new ExplorerStartError(`invalid parameters (${problems.join("; ")})`);
  }
  const options = parsed.data;
  const logger = givenLogger ?? pino({ level: "info" });
  const publicClient = createPublicClient({
    chain: aviaryChain({ rpcUrl: options.rpcUrl, chainId: options.chainId }),
    transport: http(options.rpcUrl, { retryCount: 1, timeout: 10_000 }),
    cacheTime: 0,
  }) as PublicClient;
  const contracts = {
    registry: getAddress(options.contracts.registry) as Address,
    settlement: getAddress(options.contracts.settlement) as Address,
  };

  const indexer = new ChainIndexer({
    publicClient,
    contracts,
    deployBlock: options.deployBlock,
    pollIntervalMs: options.pollIntervalMs,
    logger,
  });
  const poller = new GatewayPoller({
    gateways: options.gateways,
    pollIntervalMs: Math.max(options.pollIntervalMs, 2000),
    logger,
  });
  await Promise.all([indexer.syncSafely(), poller.poll()]);
  indexer.start();
  poller.start();

  const app = createExplorerApp({ data: { state: indexer.state, gateways: poller.statuses }, logger });
  let server: ReturnType<typeof serve>;
  try {
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const instance = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, () =>
        resolve(instance),
      );
      instance.once("error", reject);
    });
  } catch (cause) {
    await Promise.all([indexer.stop(), poller.stop()]);
    throw new ExplorerStartError(`cannot listen on ${options.host}:${options.port}`, cause);
  }
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  logger.info(
    { url, indexedTo: indexer.state.indexedTo, gateways: options.gateways.length },
    "explorer ready",
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await Promise.all([indexer.stop(), poller.stop()]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      logger.info("explorer stopped");
    })();
    return stopping;
  };
  return { url, stop };
}
