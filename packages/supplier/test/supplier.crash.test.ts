// Crash safety: a supplier node killed with SIGKILL while serving loses nothing it answered. After a restart
// its claim covers every relay that got a receipt.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Devnet, startDevnet, token } from "@aviary/devnet";
import { claimKey as computeClaimKey, RECEIPT_HEADER, sessionWindows } from "@aviary/protocol";
import { ensureTestModel, testModelName } from "@aviary/test-models";
import {
  actor,
  clients,
  devnetChainConfig,
  driveSessionToSettlement,
  type RelayTarget,
  sendRelay,
  settlement,
  setUpNetwork,
} from "@aviary/testkit";
import type { Address, Hex } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { FileRelayStore } from "../src/store/FileRelayStore.ts";

const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "cli", "bin", "aviary.js");
const sessionParams = { sessionBlocks: 20n, graceBlocks: 4n, claimBlocks: 8n, proofBlocks: 8n };
const children: ChildProcess[] = [];
let devnet: Devnet | undefined;

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await devnet?.stop();
});

function startNode(configPath: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, "supplier", "start", "--config", configPath], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`supplier did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready: supplier .* at (http:\/\/[\d.:]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`supplier exited (${code}):\n${output}`));
    });
  });
}

describe("supplier crash safety", () => {
  it("SIGKILL mid-session, restart: the claim covers every relay that was answered", async () => {
    const home = mkdtempSync(join(tmpdir(), "aviary-crash-"));
    const model = await ensureTestModel({ directory: join(home, "models"), preset: "tiny" });
    devnet = await startDevnet({ home, persist: false });
    const c = clients(devnet);
    const owner = actor(devnet, "supplier-1");
    const operator = actor(devnet, "spare-1");
    const application = actor(devnet, "application");
    const inputPrice = 10n ** 9n;
    const outputPrice = 2n * 10n ** 9n;
    const { session, modelId } = await setUpNetwork(c, {
      source: actor(devnet, "model-source"),
      sourceShareBps: 1000,
      suppliers: [{ owner, operator, inputPrice, outputPrice }],
      applications: [{ actor: application, stake: token(1000) }],
      model: { name: testModelName, weightsDigest: model.sha256 },
    });
    const dataDir = join(home, "supplier-data");
    const configPath = join(home, "supplier.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        chain: devnetChainConfig(devnet),
        supplier: owner.address,
        operatorKey: operator.privateKey,
        server: { host: "127.0.0.1", port: 0 },
        dataDir,
        models: [
          {
            name: testModelName,
            inputPrice: inputPrice.toString(),
            outputPrice: outputPrice.toString(),
            backend: { type: "embedded", path: model.path },
          },
        ],
        log: { level: "warn" },
      }),
    );

    const answered = new Set<Hex>();
    const send = async (target: RelayTarget, index: number) => {
      try {
        const { response, relayKey } = await sendRelay(target, application.address, application.privateKey, {
          model: testModelName,
          messages: [{ role: "user", content: `request ${index}` }],
          max_tokens: 6,
          stream: index % 2 === 0,
        });
        const text = await response.text();
        const receipt =
          response.headers.get(RECEIPT_HEADER) ?? (/: aviary-receipt /.test(text) ? "sse" : null);
        if (response.ok && receipt) answered.add(relayKey);
      } catch {
        // The node was killed under this request: it was not answered.
      }
    };

    const first = await startNode(configPath);
    const target: RelayTarget = {
      url: first.url,
      domain: { chainId: devnet.chainId, verifyingContract: devnet.contracts.settlement as Address },
      supplier: owner.address,
      model: modelId,
      session,
      inputPrice,
      outputPrice,
    };
    // Four concurrent clients; kill -9 once some relays were answered, while others are in flight.
    let index = 0;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (index < 400 && first.child.exitCode === null && first.child.signalCode === null)
          await send(target, index++);
      }),
    );
    await expect.poll(() => answered.size, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(12);
    first.child.kill("SIGKILL");
    await load;
    const answeredBeforeCrash = answered.size;
    expect(answeredBeforeCrash).toBeGreaterThanOrEqual(12);

    // Restart on the same data; serve a few more.
    const second = await startNode(configPath);
    const restarted = { ...target, url: second.url };
    for (let more = 0; more < 4; more += 1) await send(restarted, 1000 + more);
    expect(answered.size).toBe(answeredBeforeCrash + 4);

    // Into the claim window: the restarted node claims what its log holds.
    const key = computeClaimKey({
      supplier: owner.address,
      application: application.address,
      model: modelId,
      session,
    });
    await c.mineTo(sessionWindows(session, sessionParams).claimStart + 1n);
    const readClaim = () =>
      c.publicClient.readContract({ ...settlement(c), functionName: "getClaim", args: [key] });
    await expect
      .poll(async () => (await readClaim()).root.count, { timeout: 30_000, interval: 250 })
      .toBeGreaterThan(0n);
    const claim = await readClaim();

    // Stopped before settlement (which prunes the log), so the log can be read back as the node left it.
    second.child.kill("SIGTERM");
    await new Promise((resolve) => second.child.once("exit", resolve));
    const store = new FileRelayStore({ directory: dataDir });
    await store.open();
    const recorded = new Set<Hex>();
    for await (const record of store.readSession(session)) recorded.add(record.relayKey);
    await store.close();
    // Every answered relay is in the log, and the claim counts exactly the log (a relay recorded just before
    // the kill but never answered is in both: served work the client did not see).
    for (const relayKey of answered) expect(recorded.has(relayKey)).toBe(true);
    expect(claim.root.count).toBe(BigInt(recorded.size));
    // The other half: settlement still goes through on the restarted node's claim.
    const third = await startNode(configPath);
    await driveSessionToSettlement(c, session, [key]);
    third.child.kill("SIGTERM");
  });
});
