// A devnet with the generated test model registered and staked suppliers running the real supplier node, each
// behind a controllable proxy, and a staked application that delegated to a gateway — all set up with the SDK's
// own chain actions. Shared by the integration tests.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, devnetChain, startDevnet, token } from "@aviary/devnet";
import {
  delegateGateway,
  registerModel,
  setOffer,
  stakeApplication,
  stakeGateway,
  stakeSupplier,
} from "@aviary/sdk";
import { parseSupplierConfig, type SupplierNode, startSupplier } from "@aviary/supplier";
import { ensureTestModel, testModelName } from "@aviary/test-models";
import pino from "pino";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type ControlledProxy, startControlledProxy } from "./controlledProxy.ts";

export { testModelName };

export type Actor = { address: Address; privateKey: Hex };

export type TestSupplier = {
  owner: Actor;
  operator: Actor;
  node: SupplierNode;
  proxy: ControlledProxy;
  inputPrice: bigint;
  outputPrice: bigint;
};

export type TestNetwork = {
  devnet: Devnet;
  publicClient: PublicClient;
  chain: { rpcUrl: string; chainId: number; registry: Address; settlement: Address };
  actor: (role: string) => Actor;
  clientsOf: (actor: Actor) => Parameters<typeof stakeApplication>[0];
  modelId: Hex;
  session: bigint;
  suppliers: TestSupplier[];
  application: Actor;
  gateway: Actor;
  /** Mines `blocks` blocks. */
  mine: (blocks: number) => Promise<void>;
  stop: () => Promise<void>;
};

const sessionBlocks = 20n;

/**
 * Starts the network: `prices` has one entry per supplier (supplier-1, supplier-2, …; operators spare-1, …).
 * Returns once every node sees the session in which the offers are effective, two blocks into it (the SDK
 * relays in the session of `head − graceBlocks / 2`).
 */
export async function startTestNetwork(
  prices: { inputPrice: bigint; outputPrice: bigint }[],
): Promise<TestNetwork> {
  const home = mkdtempSync(join(tmpdir(), "aviary-sdk-"));
  const model = await ensureTestModel({ directory: join(home, "models"), preset: "tiny" });
  const devnet = await startDevnet({ home, persist: false });
  const chain = devnetChain(devnet.rpcUrl, devnet.chainId);
  const transport = http(devnet.rpcUrl);
  const publicClient = createPublicClient({
    chain,
    transport,
    cacheTime: 0,
    pollingInterval: 50,
  }) as PublicClient;
  const actor = (role: string): Actor => {
    const account = devnet.accounts.find((candidate) => candidate.role === role);
    if (!account) throw new Error(`no dev account ${role}`);
    return { address: account.address as Address, privateKey: account.privateKey as Hex };
  };
  const clientsOf = (who: Actor) => ({
    publicClient,
    walletClient: createWalletClient({ account: privateKeyToAccount(who.privateKey), chain, transport }),
  });
  const contracts = devnet.contracts as { registry: Address; settlement: Address };
  const registry = contracts.registry;

  const { modelId } = await registerModel(clientsOf(actor("model-source")), {
    registry,
    name: testModelName,
    weightsDigest: model.sha256,
    uri: "file://models/aviary-test-model.gguf",
    kind: "chat",
    sourceShareBps: 1000,
  });

  const suppliers: TestSupplier[] = [];
  const stops: (() => Promise<void>)[] = [];
  try {
    for (const [index, price] of prices.entries()) {
      const owner = actor(`supplier-${index + 1}`);
      const operator = actor(index === 0 ? "spare-1" : index === 1 ? "spare-2" : "treasury");
      const config = parseSupplierConfig({
        chain: { rpcUrl: devnet.rpcUrl, chainId: devnet.chainId, registry, settlement: contracts.settlement },
        supplier: owner.address,
        operatorKey: operator.privateKey,
        server: { host: "127.0.0.1", port: 0 },
        dataDir: join(home, `supplier-${index + 1}`),
        models: [
          {
            name: testModelName,
            inputPrice: price.inputPrice.toString(),
            outputPrice: price.outputPrice.toString(),
            backend: { type: "embedded", path: model.path, sequences: 2 },
          },
        ],
      });
      const node = await startSupplier(config, { logger: pino({ level: "silent" }) });
      stops.push(() => node.stop());
      const proxy = await startControlledProxy(node.url);
      stops.push(() => proxy.close());
      await stakeSupplier(clientsOf(owner), {
        registry,
        amount: token(2000),
        operator: operator.address,
        endpoint: proxy.url,
      });
      await setOffer(clientsOf(owner), { registry, model: modelId, ...price });
      suppliers.push({ owner, operator, node, proxy, ...price });
    }
    const application = actor("application");
    const gateway = actor("gateway");
    await stakeApplication(clientsOf(application), { registry, amount: token(1000) });
    await stakeGateway(clientsOf(gateway), {
      registry,
      amount: token(100),
      metadataUrl: "http://127.0.0.1:9/",
    });
    await delegateGateway(clientsOf(application), { registry, gateway: gateway.address });

    const mine = async (blocks: number) => {
      await publicClient.request({
        method: "anvil_mine" as "eth_chainId",
        params: [`0x${blocks.toString(16)}`] as unknown as undefined,
      });
    };
    const head = await publicClient.getBlockNumber();
    const session = head / sessionBlocks + 1n;
    await mine(Number(session * sessionBlocks + 2n - head));
    // Every node must see the new session before relays name it.
    for (const supplier of suppliers) {
      for (let tries = 0; supplier.node.chain.currentSession < session; tries += 1) {
        if (tries > 200) throw new Error("supplier node does not see the new session");
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    return {
      devnet,
      publicClient,
      chain: { rpcUrl: devnet.rpcUrl, chainId: devnet.chainId, registry, settlement: contracts.settlement },
      actor,
      clientsOf,
      modelId,
      session,
      suppliers,
      application,
      gateway,
      mine,
      stop: async () => {
        for (const stop of stops.reverse()) await stop().catch(() => {});
        await devnet.stop();
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await devnet.stop();
    throw error;
  }
}
