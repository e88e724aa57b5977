// A local network for gateway tests and benches: devnet, the test model, suppliers (each a real node on the
// embedded runtime, optionally behind a fault-injecting proxy), applications delegating to a gateway.

import { mkdtempSync } from "node:fs";
import { createServer, request as httpRequest, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, startDevnet, token } from "@aviary/devnet";
import {
  type GatewayConfig,
  type GatewayConfigInput,
  type GatewayIntegrity,
  type GatewayIntegrityFactory,
  type GatewayNode,
  parseGatewayConfig,
  startGateway,
} from "@aviary/gateway";
import { aviaryRegistryAbi, aviaryTokenAbi, type ModelCapabilities } from "@aviary/protocol";
import { createAviaryFetch, UNKNOWN_MODEL_CAPABILITIES } from "@aviary/sdk";
import {
  type Backend,
  parseSupplierConfig,
  type SupplierConfig,
  type SupplierNode,
  startSupplier,
} from "@aviary/supplier";
import {
  ensureTestImageModel,
  ensureTestModel,
  testImageModelName,
  testModelName,
} from "@aviary/test-models";
import OpenAI from "openai";
import pino from "pino";
import { type Address, type Hex, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devnetChainConfig } from "./devnetChainConfig.ts";
import { type Actor, actor, type Clients, clients, devnetSessionParams, setUpNetwork } from "./scenario.ts";

export type Fault = {
  delayMs?: number;
  failRate?: number;
  /**
   * What the supplier declares in `GET /v1/supplier` (`models[].capabilities`), rewritten by the proxy; or
   * `"unreadable"`: that route answers 500 (capabilities unknown to the gateway).
   */
  capabilities?: Partial<ModelCapabilities> | "unreadable";
};

/**
 * A reverse proxy in front of a supplier: adds latency or answers 500 for a share of relays, rewrites the
 * declared capabilities; counts the relays that reached it.
 */
export async function startFaultProxy(
  target: () => string,
  fault: Fault,
): Promise<{ url: string; close: () => Promise<void>; fault: Fault; relays: () => number }> {
  let relays = 0;
  const server: Server = createServer((incoming, outgoing) => {
    if (incoming.url?.startsWith("/v1/relay/")) relays += 1;
    if (fault.capabilities && incoming.url === "/v1/supplier") {
      void declare(target(), fault.capabilities, outgoing);
      return;
    }
    const forward = () => {
      if ((fault.failRate ?? 0) > Math.random() && incoming.url?.startsWith("/v1/relay/")) {
        incoming.resume();
        outgoing.writeHead(500, { "content-type": "application/json" });
        outgoing.end(
          JSON.stringify({
            error: { message: "injected failure", type: "server_error", param: null, code: "injected" },
          }),
        );
        return;
      }
      const upstream = new URL(target());
      const proxied = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: incoming.url,
          method: incoming.method,
          headers: incoming.headers,
        },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      proxied.on("error", () => {
        if (!outgoing.headersSent) outgoing.writeHead(502);
        outgoing.end();
      });
      incoming.pipe(proxied);
    };
    if (fault.delayMs) setTimeout(forward, fault.delayMs);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fault,
    relays: () => relays,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers `GET /v1/supplier` as the supplier does, with `capabilities` over what it declares. */
async function declare(
  upstream: string,
  capabilities: Partial<ModelCapabilities> | "unreadable",
  outgoing: ServerResponse,
): Promise<void> {
  if (capabilities === "unreadable") {
    outgoing.writeHead(500, { "content-type": "application/json" }).end("{}");
    return;
  }
  const described = (await (await fetch(`${upstream}/v1/supplier`)).json()) as {
    models: { capabilities?: Partial<ModelCapabilities> }[];
  };
  for (const model of described.models) {
    model.capabilities = { ...UNKNOWN_MODEL_CAPABILITIES, ...model.capabilities, ...capabilities };
  }
  outgoing.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(described));
}

export type TestSupplier = {
  owner: Actor;
  config: SupplierConfig;
  node: SupplierNode | undefined;
  proxy?: Awaited<ReturnType<typeof startFaultProxy>>;
  endpoint: string;
  restart: () => Promise<void>;
};

/**
 * Replaces a supplier's model backend once its node started (the node verified the registered file; what it
 * then serves is up to it): how the integrity tests build cheating suppliers. Given the folder of the test
 * model files and the served model's name; answers undefined to keep that model's own backend (with `images`,
 * a factory is asked for the image model too).
 */
export type BackendFactory = (modelsDirectory: string, modelName: string) => Promise<Backend | undefined>;

export type TestNetwork = {
  home: string;
  /** The registered test model file. */
  model: { path: string; sha256: Hex };
  /** Where the test model files are. */
  modelsDirectory: string;
  /** The test image model (`aviary-test-image`, kind image), when the network was started with `images`. */
  imageModel?: { name: string; path: string; sha256: Hex; modelId: Hex };
  devnet: Devnet;
  c: Clients;
  modelId: Hex;
  session: bigint;
  suppliers: TestSupplier[];
  gateway: Actor;
  applications: Actor[];
  stop: () => Promise<void>;
};

export const inputPrice = 10n ** 9n;
export const outputPrice = 3n * 10n ** 9n;
/** The test image model's default offer: token wei per image·step (image offers have inputPrice 0). */
export const imageOutputPrice = 5n * 10n ** 9n;

/** Supplier owners beyond the dev accounts' roles: generated keys, funded with ETH and tokens. */
async function extraOwner(c: Clients, devnet: Devnet, index: number): Promise<Actor> {
  const privateKey = keccak256(toHex(`aviary-test-supplier-${index}`));
  const address = privateKeyToAccount(privateKey).address;
  await c.testClient.setBalance({ address, value: 10n ** 21n });
  await c.send(actor(devnet, "deployer"), {
    address: c.contracts.token,
    abi: aviaryTokenAbi,
    functionName: "mint",
    args: [address, token(1_000_000)],
  });
  return { address, privateKey };
}

/**
 * Starts the network; `faults[i]` puts supplier i behind a proxy with that fault; `backends[i]` replaces
 * supplier i's backend after it started (see {@link BackendFactory}). Up to 4 suppliers use the dev accounts'
 * roles, more get generated, funded accounts.
 */
export async function startTestNetwork(options: {
  suppliers: number;
  faults?: (Fault | undefined)[];
  /** Weights type of the registered test model. @default "f32" */
  modelType?: "f32" | "f16" | "q8_0";
  backends?: (BackendFactory | undefined)[];
  /** `prices[i]`: supplier i's offer. @default inputPrice, outputPrice */
  prices?: ({ inputPrice: bigint; outputPrice: bigint } | undefined)[];
  /**
   * Also register the test image model (kind image) and have every supplier serve it on the embedded image
   * runtime; `outputPrices[i]`: supplier i's price per image·step. @default imageOutputPrice
   */
  images?: { outputPrices?: (bigint | undefined)[] };
}): Promise<TestNetwork> {
  const priceOf = (index: number) => options.prices?.[index] ?? { inputPrice, outputPrice };
  const home = mkdtempSync(join(tmpdir(), "aviary-gateway-"));
  const modelsDirectory = join(home, "models");
  const model = await ensureTestModel({
    directory: modelsDirectory,
    preset: "tiny",
    ...(options.modelType ? { type: options.modelType } : {}),
  });
  const devnet = await startDevnet({ home, persist: false });
  const c = clients(devnet);
  const roles = ["supplier-1", "supplier-2", "supplier-3", "spare-1"];
  const owners: Actor[] = [];
  for (let index = 0; index < options.suppliers; index++) {
    const role = roles[index];
    owners.push(role ? actor(devnet, role) : await extraOwner(c, devnet, index));
  }
  const gateway = actor(devnet, "gateway");
  const applications = [actor(devnet, "application"), actor(devnet, "spare-2")];
  const { session, modelId } = await setUpNetwork(c, {
    source: actor(devnet, "model-source"),
    sourceShareBps: 1000,
    suppliers: owners.map((owner, index) => ({ owner, operator: owner, ...priceOf(index) })),
    gateway,
    applications: applications.map((application) => ({
      actor: application,
      stake: token(1000),
      delegateTo: gateway,
    })),
    model: { name: testModelName, weightsDigest: model.sha256 },
  });
  const imagePriceOf = (index: number) => options.images?.outputPrices?.[index] ?? imageOutputPrice;
  let imageModel: TestNetwork["imageModel"];
  let firstSession = session;
  if (options.images) {
    const image = await ensureTestImageModel({ directory: modelsDirectory });
    const source = actor(devnet, "model-source");
    const registry = { address: c.contracts.registry, abi: aviaryRegistryAbi } as const;
    await c.send(source, {
      ...registry,
      functionName: "registerModel",
      // Kind 3: image (the registry's ModelKind order: chat, completion, embedding, image).
      args: [
        image.name,
        image.sha256,
        "file://models/aviary-test-image/pipeline.json",
        3,
        source.address,
        1000,
      ],
    });
    const imageModelId = keccak256(toHex(image.name));
    for (const [index, owner] of owners.entries()) {
      await c.send(owner, {
        ...registry,
        functionName: "setOffer",
        args: [imageModelId, 0n, imagePriceOf(index)],
      });
    }
    // Offers apply from the next session.
    const blocks = devnetSessionParams.sessionBlocks;
    firstSession = (await c.publicClient.getBlockNumber()) / blocks + 1n;
    await c.mineTo(firstSession * blocks);
    imageModel = { name: image.name, path: image.path, sha256: image.sha256, modelId: imageModelId };
  }
  const suppliers: TestSupplier[] = [];
  for (const [index, owner] of owners.entries()) {
    const config = parseSupplierConfig({
      chain: devnetChainConfig(devnet),
      supplier: owner.address,
      operatorKey: owner.privateKey,
      server: { host: "127.0.0.1", port: 0 },
      dataDir: join(home, `supplier-${index}`),
      models: [
        {
          name: testModelName,
          inputPrice: priceOf(index).inputPrice.toString(),
          outputPrice: priceOf(index).outputPrice.toString(),
          backend: { type: "embedded", path: model.path, sequences: 2 },
        },
        ...(imageModel
          ? [
              {
                name: imageModel.name,
                inputPrice: "0",
                outputPrice: imagePriceOf(index).toString(),
                backend: { type: "embedded-image", path: imageModel.path },
              },
            ]
          : []),
      ],
    });
    const factory = options.backends?.[index];
    const replaceBackend = async (node: SupplierNode) => {
      if (!factory) return;
      for (const served of node.models) {
        const backend = await factory(modelsDirectory, served.name);
        if (!backend) continue;
        await backend.start();
        await served.backend.close();
        served.backend = backend;
      }
    };
    const supplier: TestSupplier = {
      owner,
      config,
      node: undefined,
      endpoint: "",
      restart: async () => {
        supplier.node = await startSupplier(
          {
            ...config,
            server: { ...config.server, port: supplier.node ? Number(new URL(supplier.node.url).port) : 0 },
          },
          { logger: pino({ level: process.env.AVIARY_TEST_LOG ?? "silent" }) },
        );
        await replaceBackend(supplier.node);
      },
    };
    supplier.node = await startSupplier(config, {
      logger: pino({ level: process.env.AVIARY_TEST_LOG ?? "silent" }),
    });
    await replaceBackend(supplier.node);
    const fault = options.faults?.[index];
    if (fault) {
      supplier.proxy = await startFaultProxy(() => supplier.node?.url ?? "http://127.0.0.1:9", fault);
      supplier.endpoint = supplier.proxy.url;
    } else {
      supplier.endpoint = supplier.node.url;
    }
    await c.send(owner, {
      address: c.contracts.registry,
      abi: aviaryRegistryAbi,
      functionName: "setSupplierEndpoint",
      args: [supplier.endpoint],
    });
    suppliers.push(supplier);
  }
  return {
    home,
    model: { path: model.path, sha256: model.sha256 as Hex },
    modelsDirectory,
    ...(imageModel ? { imageModel } : {}),
    devnet,
    c,
    modelId,
    session: firstSession,
    suppliers,
    gateway,
    applications,
    stop: async () => {
      for (const supplier of suppliers) {
        await supplier.node?.stop().catch(() => {});
        await supplier.proxy?.close();
      }
      await devnet.stop();
    },
  };
}

export const addresses = (actors: Actor[]): Address[] => actors.map((entry) => entry.address);
export { testImageModelName, testModelName };

/**
 * The config of a gateway over `network`: its chain and contracts, the network's gateway key and
 * applications, an ephemeral loopback port, an in-memory store; `overrides` replace whole top-level keys.
 */
export function networkGatewayConfig(
  network: TestNetwork,
  overrides: Partial<GatewayConfigInput> = {},
): GatewayConfig {
  return parseGatewayConfig({
    chain: {
      rpcUrl: network.devnet.rpcUrl,
      chainId: network.devnet.chainId,
      registry: network.devnet.contracts.registry,
      settlement: network.devnet.contracts.settlement,
    },
    gatewayKey: network.gateway.privateKey,
    applications: addresses(network.applications),
    server: { host: "127.0.0.1", port: 0 },
    store: ":memory:",
    ...overrides,
  });
}

/**
 * A gateway over `network` ({@link networkGatewayConfig}), logging nothing unless `AVIARY_TEST_LOG` names a level.
 * With `audit.enabled`, pass the auditor: `{ integrity: createIntegrityMonitor }` of `@aviary/audit`.
 */
export function startNetworkGateway<Integrity extends GatewayIntegrity = GatewayIntegrity>(
  network: TestNetwork,
  overrides: Partial<GatewayConfigInput> = {},
  options: { integrity?: GatewayIntegrityFactory<Integrity> } = {},
): Promise<GatewayNode<Integrity>> {
  return startGateway(networkGatewayConfig(network, overrides), {
    logger: pino({ level: process.env.AVIARY_TEST_LOG ?? "silent" }),
    ...options,
  });
}

/**
 * The official `openai` client relaying directly to the network's suppliers (`createAviaryFetch`, no
 * gateway), signing as the network's first application.
 */
export function directOpenAiClient(
  network: TestNetwork,
  options: { maxAttempts?: number; defaultMaxTokens?: number } = {},
): OpenAI {
  const application = network.applications[0];
  if (!application) throw new Error("the test network has no application");
  return new OpenAI({
    apiKey: "unused",
    baseURL: "http://aviary.local/v1",
    maxRetries: 0,
    fetch: createAviaryFetch({
      account: privateKeyToAccount(application.privateKey),
      chain: {
        rpcUrl: network.devnet.rpcUrl,
        chainId: network.devnet.chainId,
        registry: network.devnet.contracts.registry as Address,
        settlement: network.devnet.contracts.settlement as Address,
      },
      maxAttempts: options.maxAttempts ?? 2,
      ...(options.defaultMaxTokens === undefined ? {} : { defaultMaxTokens: options.defaultMaxTokens }),
      // The network was staked in its current session: the one before has no budget.
      sessionLagBlocks: 0,
    }),
  });
}
