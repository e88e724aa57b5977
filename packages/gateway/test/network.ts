// A local network for gateway tests and benches: devnet, the test model, suppliers (each a real node on the
// embedded runtime, optionally behind a fault-injecting proxy), applications delegating to a gateway.

import { mkdtempSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aviaryRegistryAbi } from "@aviary/protocol";
import pino from "pino";
import type { Address, Hex } from "viem";
import { type Devnet, startDevnet, token } from "../../devnet/src/index.ts";
import { type Actor, actor, type Clients, clients, setUpNetwork } from "../../devnet/test/utils/scenario.ts";
import { parseSupplierConfig, type SupplierConfig } from "../../supplier/src/config/supplierConfig.ts";
import { type SupplierNode, startSupplier } from "../../supplier/src/startSupplier.ts";
import { ensureTestModel, testModelName } from "../../supplier/src/testModel/writeTestModelGguf.ts";

export type Fault = { delayMs?: number; failRate?: number };

/** A reverse proxy in front of a supplier: adds latency or answers 500 for a share of relays. */
export async function startFaultProxy(
  target: () => string,
  fault: Fault,
): Promise<{ url: string; close: () => Promise<void>; fault: Fault }> {
  const server: Server = createServer((incoming, outgoing) => {
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type TestSupplier = {
  owner: Actor;
  config: SupplierConfig;
  node: SupplierNode | undefined;
  proxy?: Awaited<ReturnType<typeof startFaultProxy>>;
  endpoint: string;
  restart: () => Promise<void>;
};

export type TestNetwork = {
  home: string;
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

/** Starts the network; `faults[i]` puts supplier i behind a proxy with that fault. */
export async function startTestNetwork(options: {
  suppliers: number;
  faults?: (Fault | undefined)[];
}): Promise<TestNetwork> {
  const home = mkdtempSync(join(tmpdir(), "aviary-gateway-"));
  const model = await ensureTestModel({ directory: join(home, "models"), preset: "tiny" });
  const devnet = await startDevnet({ home, persist: false });
  const c = clients(devnet);
  const owners = ["supplier-1", "supplier-2", "supplier-3"]
    .slice(0, options.suppliers)
    .map((role) => actor(devnet, role));
  const gateway = actor(devnet, "gateway");
  const applications = [actor(devnet, "application"), actor(devnet, "spare-2")];
  const { session, modelId } = await setUpNetwork(c, {
    source: actor(devnet, "model-source"),
    sourceShareBps: 1000,
    suppliers: owners.map((owner) => ({ owner, operator: owner, inputPrice, outputPrice })),
    gateway,
    applications: applications.map((application) => ({
      actor: application,
      stake: token(1000),
      delegateTo: gateway,
    })),
    model: { name: testModelName, weightsDigest: model.sha256 },
  });
  const suppliers: TestSupplier[] = [];
  for (const [index, owner] of owners.entries()) {
    const config = parseSupplierConfig({
      chain: {
        rpcUrl: devnet.rpcUrl,
        chainId: devnet.chainId,
        registry: devnet.contracts.registry,
        settlement: devnet.contracts.settlement,
      },
      supplier: owner.address,
      operatorKey: owner.privateKey,
      server: { host: "127.0.0.1", port: 0 },
      dataDir: join(home, `supplier-${index}`),
      models: [
        {
          name: testModelName,
          inputPrice: inputPrice.toString(),
          outputPrice: outputPrice.toString(),
          backend: { type: "embedded", path: model.path, sequences: 2 },
        },
      ],
    });
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
      },
    };
    supplier.node = await startSupplier(config, {
      logger: pino({ level: process.env.AVIARY_TEST_LOG ?? "silent" }),
    });
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
    devnet,
    c,
    modelId,
    session,
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
export { testModelName };
