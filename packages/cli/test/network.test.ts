// The network commands against a real chain: one devnet (anvil, real contracts) with the test model, two
// suppliers, a gateway and a delegated application, driven by the real `aviary` binary.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Devnet, startDevnet, token } from "@aviary/devnet";
import {
  buildSumTrie,
  isMined,
  proveClaim,
  relayCost,
  relayValueHash,
  type SignedRelay,
  sessionWindows,
} from "@aviary/protocol";
import {
  type Actor,
  actor,
  type Clients,
  clients,
  relayKeyOf,
  settlement,
  setUpNetwork,
  signRelay,
  testModelId,
  testModelName,
} from "@aviary/testkit";
import { type Hex, keccak256, stringToBytes, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./utils/runCli.ts";

// Every step is a real `aviary` process (about a second each, several under load on two shared cores).
const slow = { timeout: 300_000 };
const sessionParams = { sessionBlocks: 20n, graceBlocks: 4n, claimBlocks: 8n, proofBlocks: 8n };

let devnet: Devnet;
let c: Clients;
let home: string;
let suppliers: { owner: Actor; operator: Actor; inputPrice: bigint; outputPrice: bigint }[];
let server: Server | undefined;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "aviary-cli-network-"));
  devnet = await startDevnet({ home, persist: false });
  c = clients(devnet);
  suppliers = [
    {
      owner: actor(devnet, "supplier-1"),
      operator: actor(devnet, "spare-1"),
      inputPrice: 10n ** 12n,
      outputPrice: 3n * 10n ** 12n,
    },
    // Expensive enough that one claim crosses the proof threshold (100 AVY): its proof is always required.
    {
      owner: actor(devnet, "supplier-2"),
      operator: actor(devnet, "supplier-2"),
      inputPrice: token(1),
      outputPrice: token(2),
    },
  ];
  await setUpNetwork(c, {
    source: actor(devnet, "model-source"),
    sourceShareBps: 1000,
    suppliers,
    gateway: actor(devnet, "gateway"),
    applications: [
      { actor: actor(devnet, "application"), stake: token(1000), delegateTo: actor(devnet, "gateway") },
    ],
  });
});

afterAll(async () => {
  server?.close();
  await devnet?.stop();
});

const aviary = (args: string[], environment: Record<string, string> = {}) =>
  runCli([...args, "--home", home], environment);
const json = <T>(result: { status: number | null; stdout: string; stderr: string }): T => {
  expect(result.stderr).not.toMatch(/^error:/m);
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as T;
};
const sha256 = (bytes: Buffer) => `0x${createHash("sha256").update(bytes).digest("hex")}`;

describe("aviary model list / publish / pull", slow, () => {
  it("lists the registered test model with its digest, uri, source and the suppliers offering it", async () => {
    type Row = {
      name: string;
      modelId: string;
      weightsDigest: string;
      uri: string;
      kind: string;
      source: string;
      sourceShareBps: number;
      suppliers: number;
    };
    const rows = json<Row[]>(await aviary(["model", "list", "--json"]));
    expect(rows).toContainEqual(
      expect.objectContaining({
        name: testModelName,
        modelId: testModelId,
        weightsDigest: keccak256(toHex("test weights")),
        uri: "file://models/test.gguf",
        kind: "chat",
        source: actor(devnet, "model-source").address,
        sourceShareBps: 1000,
        suppliers: 2,
      }),
    );
    // The same chain named explicitly instead of through devnet.json.
    const explicit = await runCli([
      "model",
      "list",
      "--rpc-url",
      devnet.rpcUrl,
      "--registry",
      devnet.contracts.registry,
      "--settlement",
      devnet.contracts.settlement,
    ]);
    expect(explicit.status).toBe(0);
    expect(explicit.stdout).toContain(`${testModelName}  [chat]  offered by 2 suppliers`);
    expect(explicit.stdout).toContain(`id      ${testModelId}`);
  });

  it("pulls file:// and http:// weights verifying the sha256; refuses a tampered file, leaving nothing", async () => {
    const work = mkdtempSync(join(tmpdir(), "aviary-cli-pull-"));
    const out = join(work, "pulled");
    const source = { AVIARY_KEY: actor(devnet, "model-source").privateKey };
    const publish = async (name: string, file: string, uri?: string) => {
      const result = await aviary(
        ["model", "publish", "--file", file, "--name", name, ...(uri ? ["--uri", uri] : [])],
        source,
      );
      expect(result.stderr).not.toMatch(/^error:/m);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^sha256 0x[0-9a-f]{64} \(\d+ bytes\)$/m);
    };

    // file://, by name; then again by id: already there.
    const weights = randomBytes(300_000);
    writeFileSync(join(work, "weights.bin"), weights);
    await publish("cli-pull-file", join(work, "weights.bin"));
    const pulled = await aviary(["model", "pull", "cli-pull-file", "--out", out]);
    expect(pulled.stderr).toContain(`sha256 ${sha256(weights)} verified`);
    expect(pulled.status).toBe(0);
    expect(pulled.stdout.trim()).toBe(join(out, "cli-pull-file.bin"));
    expect(readFileSync(join(out, "cli-pull-file.bin")).equals(weights)).toBe(true);
    const again = await aviary(["model", "pull", keccak256(stringToBytes("cli-pull-file")), "--out", out]);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/is already there/);

    // Tampered after publishing: both digests named, no file and no partial download left behind.
    const original = randomBytes(100_000);
    writeFileSync(join(work, "tampered.gguf"), original);
    await publish("cli-pull-tampered", join(work, "tampered.gguf"));
    const tampered = Buffer.from(original);
    tampered[500] = (tampered[500] ?? 0) ^ 0xff;
    writeFileSync(join(work, "tampered.gguf"), tampered);
    const refused = await aviary(["model", "pull", "cli-pull-tampered", "--out", out]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`sha256 ${sha256(tampered)}, registered ${sha256(original)}`);
    expect(refused.stderr).toMatch(/Nothing was kept/);
    expect(readdirSync(out).sort()).toEqual(["cli-pull-file.bin"]);

    // http://, streamed with progress.
    const served = randomBytes(200_000);
    server = createServer((request, response) => {
      if (request.url !== "/models/served.gguf") {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { "content-length": String(served.length) }).end(served);
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    writeFileSync(join(work, "served.gguf"), served);
    await publish("cli-pull-http", join(work, "served.gguf"), `http://127.0.0.1:${port}/models/served.gguf`);
    const downloaded = await aviary(["model", "pull", "cli-pull-http", "--out", out]);
    expect(downloaded.status).toBe(0);
    expect(downloaded.stderr).toMatch(
      /downloading http:\/\/127\.0\.0\.1:\d+\/models\/served\.gguf: 195\.3 KiB of 195\.3 KiB \(100%\)/,
    );
    expect(readFileSync(join(out, "cli-pull-http.gguf")).equals(served)).toBe(true);

    // Schemes it cannot fetch, and models that do not exist.
    await publish(
      "cli-pull-ipfs",
      join(work, "served.gguf"),
      "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
    );
    const ipfs = await aviary(["model", "pull", "cli-pull-ipfs", "--out", out]);
    expect(ipfs.status).toBe(1);
    expect(ipfs.stderr).toMatch(/uses ipfs:\/\/, and only file:\/\/, http:\/\/ and https:\/\/ are supported/);
    const unknown = await aviary(["model", "pull", "no-such-model", "--out", out]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown model "no-such-model"/);
    expect(readdirSync(out).sort()).toEqual(["cli-pull-file.bin", "cli-pull-http.gguf"]);
  });
});

describe("aviary app stake / delegate / balance", slow, () => {
  type Balance = {
    application: string;
    stake: string;
    unbonding: string;
    sessionBudget: string;
    delegations: { gateway: string; activeThisSession: boolean }[];
  };

  it("stakes, delegates, and shows both in the balance", async () => {
    const application = actor(devnet, "spare-2");
    const gateway = actor(devnet, "gateway");
    const key = { AVIARY_APP_KEY: application.privateKey };
    const staked = await aviary(["app", "stake", "--amount", "150.5"], key);
    expect(staked.stderr).toMatch(
      /sending stake transaction \(150\.5 AVY from 0x[0-9a-fA-F]{40}\) … mined in block \d+/,
    );
    expect(staked.status).toBe(0);
    expect(staked.stdout).toContain(`application ${application.address} stake: 150.5 AVY`);

    let balance = json<Balance>(await aviary(["app", "balance", "--json"], key));
    expect(balance).toMatchObject({
      application: application.address,
      stake: (1505n * 10n ** 17n).toString(),
      unbonding: "0",
      delegations: [],
    });

    // --key-env names another variable; the gateway given all lowercase.
    const delegated = await aviary(
      ["app", "delegate", "--gateway", gateway.address.toLowerCase(), "--key-env", "MY_APP_KEY"],
      { MY_APP_KEY: application.privateKey },
    );
    expect(delegated.stderr).toMatch(/sending delegate transaction .* mined in block \d+/);
    expect(delegated.status).toBe(0);
    expect(delegated.stdout).toMatch(
      new RegExp(`delegated ${application.address} to ${gateway.address}, effective from session \\d+`),
    );
    balance = json<Balance>(await aviary(["app", "balance", "--address", application.address, "--json"]));
    expect(balance.delegations).toEqual([{ gateway: gateway.address, activeThisSession: false }]);

    // The application set up earlier: staked a session ago, so its budget is in force.
    const human = await aviary(["app", "balance", "--address", actor(devnet, "application").address]);
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/stake {11}1000 AVY/);
    // stake / pendingSessions (3 on devnet)
    expect(human.stdout).toMatch(/session budget {2}333\.333333333333333333 AVY/);
    expect(human.stdout).toContain(`delegated to    ${gateway.address}`);

    // What the chain would refuse, refused first with a clear message.
    const [twice, notGateway, belowMinimum] = await Promise.all([
      aviary(["app", "delegate", "--gateway", gateway.address], key),
      aviary(["app", "delegate", "--gateway", actor(devnet, "supplier-3").address], key),
      aviary(["app", "stake", "--amount", "5"], { AVIARY_APP_KEY: actor(devnet, "deployer").privateKey }),
    ]);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/is already delegated to --gateway/);
    expect(notGateway.status).toBe(2);
    expect(notGateway.stderr).toMatch(/--gateway 0x[0-9a-fA-F]{40} is not a staked gateway/);
    expect(belowMinimum.status).toBe(2);
    expect(belowMinimum.stderr).toMatch(/leaves the stake below the minimum of 100 AVY/);
  });
});

describe("aviary claims / balances", slow, () => {
  type ClaimRow = {
    claimKey: Hex;
    supplier: string;
    session: string;
    status: string;
    modelName: string | null;
    amount: string;
    collateral: string;
    collateralReleased: string | null;
    payment: { paid: string; toSupplier: string; toSource: string; toTreasury: string } | null;
    provenRelayKeys: { sum: Hex; count: Hex } | null;
    slashed: boolean;
    slashedAmount: string | null;
  };

  it("follows claims from claimed to settled (with the payment) and to proof missing (with the slash)", async () => {
    const application = actor(devnet, "application");
    const session = (await c.publicClient.getBlockNumber()) / sessionParams.sessionBlocks;
    const windows = sessionWindows(session, sessionParams);
    const units = [
      [
        [20n, 50n],
        [30n, 60n],
      ],
      [
        [10n, 20n],
        [11n, 21n],
        [12n, 22n],
      ],
    ];
    const plans = await Promise.all(
      suppliers.map(async (supplier, index) => ({
        supplier,
        relays: await Promise.all(
          (units[index] ?? []).map(([inputUnits = 0n, outputUnits = 0n], nonce) =>
            signRelay(
              c,
              {
                application: application.address,
                supplier: supplier.owner.address,
                model: testModelId,
                session,
                nonce: BigInt(index * 100 + nonce),
                bodyHash: keccak256(toHex(`body ${index} ${nonce}`)),
                inputPrice: supplier.inputPrice,
                outputPrice: supplier.outputPrice,
                maxCost:
                  (inputUnits + 10n) * supplier.inputPrice + (outputUnits + 10n) * supplier.outputPrice,
              },
              application,
              supplier.operator,
              { inputUnits, outputUnits },
            ),
          ),
        ),
      })),
    );

    // Claim window: each supplier's operator claims the root of its mined relays.
    await c.mineTo(windows.claimStart - 1n);
    const miningSeed = (await c.publicClient.getBlock({ blockNumber: windows.miningSeedBlock })).hash as Hex;
    const probabilityWad = await c.publicClient.readContract({
      ...settlement(c),
      functionName: "miningProbabilityAt",
      args: [testModelId, session],
    });
    const claims: { key: Hex; trie: ReturnType<typeof buildSumTrie>; byKey: Map<string, SignedRelay> }[] = [];
    for (const plan of plans) {
      const byKey = new Map<string, SignedRelay>();
      for (const relay of plan.relays) {
        const key = relayKeyOf(c, relay);
        if (isMined({ relayKey: key, miningSeed, probabilityWad })) byKey.set(key, relay);
      }
      const trie = buildSumTrie(
        [...byKey].map(([key, relay]) => ({
          key: key as Hex,
          valueHash: relayValueHash(relay),
          weight: relayCost(relay),
        })),
      );
      await c.send(plan.supplier.operator, {
        ...settlement(c),
        functionName: "claim",
        args: [plan.supplier.owner.address, application.address, testModelId, session, trie.root()],
      });
      const key = await c.publicClient.readContract({
        ...settlement(c),
        functionName: "claimKeyOf",
        args: [plan.supplier.owner.address, application.address, testModelId, session],
      });
      claims.push({ key, trie, byKey });
    }
    const [cheap, expensive] = claims;
    if (!cheap || !expensive) throw new Error("claims missing");
    const byKey = (rows: ClaimRow[]) => new Map(rows.map((row) => [row.claimKey, row]));
    let rows = byKey(json<ClaimRow[]>(await aviary(["claims", "--session", session.toString(), "--json"])));
    expect(rows.get(cheap.key)).toMatchObject({ status: "claimed", modelName: testModelName });
    expect(rows.get(expensive.key)).toMatchObject({ status: "claimed" });

    // Proof window: the cheap claim is proven when the seed asks for it; the expensive one never is.
    await c.mineTo(windows.proofStart - 1n);
    await c.send(actor(devnet, "treasury"), {
      ...settlement(c),
      functionName: "recordSeed",
      args: [session],
    });
    const proofSeed = (await c.publicClient.getBlock({ blockNumber: windows.proofSeedBlock })).hash as Hex;
    const cheapRequired = await c.publicClient.readContract({
      ...settlement(c),
      functionName: "isProofRequired",
      args: [cheap.key],
    });
    if (cheapRequired) {
      // The leaves drawn by sum and by count (one proof when they are the same leaf).
      const proofs = proveClaim(cheap.trie, { proofSeed, claimKey: cheap.key }).map((proof) => {
        const leaf = cheap.byKey.get(proof.key);
        if (!leaf) throw new Error("the drawn leaf is not one of ours");
        return { leaf, sideNodes: proof.sideNodes, emptyMask: proof.emptyMask };
      });
      await c.send(suppliers[0]?.operator as Actor, {
        ...settlement(c),
        functionName: "prove",
        args: [cheap.key, proofs],
      });
    }
    rows = byKey(json<ClaimRow[]>(await aviary(["claims", "--json"])));
    expect(rows.get(cheap.key)?.status).toBe(cheapRequired ? "proven" : "awaiting-settlement");
    expect(rows.get(cheap.key)?.provenRelayKeys ?? null).toEqual(
      cheapRequired ? expect.objectContaining({ sum: expect.any(String), count: expect.any(String) }) : null,
    );
    expect(rows.get(expensive.key)?.status).toBe("proof-required");
    // Each claim locks max(missingProofPenalty, amount) of its supplier's stake: 1000 AVY here.
    expect(rows.get(expensive.key)?.collateral).toBe(token(1000).toString());

    // Settlement: the cheap claim is paid; the unproven one is slashed.
    await c.mineTo(windows.settleFrom - 1n);
    for (const claim of claims)
      await c.send(application, { ...settlement(c), functionName: "settle", args: [claim.key] });
    rows = byKey(json<ClaimRow[]>(await aviary(["claims", "--application", application.address, "--json"])));
    const paid = rows.get(cheap.key);
    expect(paid?.status).toBe("settled");
    expect(paid?.payment?.paid).toBe(paid?.amount);
    expect(BigInt(paid?.payment?.toSupplier ?? 0)).toBeGreaterThan(0n);
    expect(paid?.collateralReleased).toBe(token(1000).toString());
    const missing = rows.get(expensive.key);
    expect(missing?.status).toBe("proof-missing");
    expect(missing?.slashed).toBe(true);
    expect(missing?.slashedAmount).toBe(token(1000).toString());
    expect(missing?.payment).toBeUndefined();

    const human = await aviary(["claims", "--supplier", suppliers[0]?.owner.address.toLowerCase() ?? ""]);
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`session ${session} {2}${testModelName} {2}settled`));
    expect(human.stdout).toMatch(/paid {9}\d[\d.]* AVY: supplier /);
    expect(human.stdout).toMatch(/collateral {3}1000 AVY \(released\)/);
    expect(human.stdout).not.toContain(suppliers[1]?.owner.address);
    const none = await aviary(["claims", "--session", (session + 1000n).toString()]);
    expect(none.stdout).toMatch(/^no claims match/);
  });

  it("balances: every dev account's tokens and stakes, and the treasury", async () => {
    type Account = {
      role: string;
      address: string;
      treasury: boolean;
      balance: string;
      supplier: { stake: string };
      application: { stake: string };
      gateway: { stake: string };
    };
    const result = json<{ treasury: string; registryHeld: string; accounts: Account[] }>(
      await aviary(["balances", "--json"]),
    );
    const byRole = new Map(result.accounts.map((account) => [account.role, account]));
    expect(result.accounts.map((account) => account.role)).toEqual(
      devnet.accounts.map((account) => account.role),
    );
    expect(byRole.get("supplier-1")?.supplier.stake).toBe(token(2000).toString());
    expect(byRole.get("supplier-2")?.supplier.stake).toBe(token(1000).toString()); // slashed for the missing proof
    expect(byRole.get("gateway")?.gateway.stake).toBe(token(100).toString());
    expect(BigInt(byRole.get("application")?.application.stake ?? 0)).toBeLessThan(token(1000)); // it paid
    expect(byRole.get("treasury")).toMatchObject({ treasury: true, address: result.treasury });
    expect(BigInt(byRole.get("treasury")?.balance ?? 0)).toBeGreaterThan(0n);

    const human = await aviary(["balances"]);
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(
      new RegExp(`supplier-1 +${suppliers[0]?.owner.address} .* staked: supplier 2000 AVY`),
    );
    expect(human.stdout).toMatch(/gateway +0x[0-9a-fA-F]{40} .* staked: gateway 100 AVY/);
  });
});
