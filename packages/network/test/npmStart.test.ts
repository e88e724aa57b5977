// `npm start` as a newcomer runs it: the CLI in its own process, the printed snippets run as printed,
// Ctrl-C, and a second start that resumes the same chain. Real anvil, contracts, runtime and servers.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { devnetStateSchema } from "@aviary/devnet";
import { createGatewayStore } from "@aviary/gateway";
import { decodePng, loadImagePipeline } from "@aviary/image-runtime";
import { aviarySettlementAbi, relayCost, splitPayment } from "@aviary/protocol";
import { ensureTestImageModel, testImageModelName } from "@aviary/test-models";
import { launchChromium } from "@aviary/testkit/chromium";
import OpenAI from "openai";
import {
  type Address,
  createPublicClient,
  erc20Abi,
  type Hex,
  http,
  keccak256,
  parseEventLogs,
  toHex,
} from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { localSupplierImagePrices } from "../src/startLocalNetwork.ts";

const run = promisify(execFile);
const repository = resolve(import.meta.dirname, "../../..");
const home = mkdtempSync(join(tmpdir(), "aviary-start-"));
const running: ChildProcess[] = [];

// The printed openai snippets import `openai` from where they run: the image one (it writes fox.png) runs in
// a folder under node_modules, so the package resolves and nothing lands in the work tree.
const snippetFolder = join(repository, "node_modules", ".cache", `aviary-start-${process.pid}`);

afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
  rmSync(home, { recursive: true, force: true });
  rmSync(snippetFolder, { recursive: true, force: true });
});

/** Starts `aviary devnet up` (what `npm start` runs) and resolves with everything it printed up to `ready`. */
function start(): Promise<{ child: ChildProcess; output: string }> {
  const child = spawn(
    process.execPath,
    [
      "--conditions=aviary-source",
      "--import",
      "tsx",
      "packages/cli/src/bin.ts",
      "devnet",
      "up",
      "--home",
      home,
      "--gateway-port",
      "0",
      "--explorer-port",
      "0",
      "--supplier-port",
      "0",
    ],
    { cwd: repository, stdio: ["ignore", "pipe", "pipe"] },
  );
  running.push(child);
  let output = "";
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "ready" within 120 s:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/^ready: /m.test(output)) {
        clearTimeout(timer);
        resolvePromise({ child, output });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`devnet up exited (${code}):\n${output}`));
    });
  });
}

function stop(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolvePromise) => {
    child.once("exit", (code) => resolvePromise({ code, output }));
    child.kill("SIGINT");
  });
}

describe("npm start", () => {
  let first: { child: ChildProcess; output: string };

  it("reaches ready and writes devnet.json with the gateway, explorer, suppliers and application", async () => {
    first = await start();
    const state = devnetStateSchema.parse(JSON.parse(readFileSync(join(home, "devnet.json"), "utf8")));
    expect(state.gateway?.apiKey).toMatch(/^avy_/);
    expect(state.explorerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(state.suppliers).toHaveLength(3);
    expect(state.application?.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(first.output).toContain(state.gateway?.apiKey);
    expect(first.output).toContain(state.explorerUrl);
    for (const supplier of state.suppliers ?? []) {
      const health = await fetch(`${supplier.endpoint}/health`);
      expect(health.status).toBe(200);
    }
  });

  it("prints a curl line that works as printed", async () => {
    const lines = first.output.split("\n");
    const begin = lines.findIndex((line) => line.trim().startsWith("curl "));
    expect(begin).toBeGreaterThan(0);
    const command = lines
      .slice(begin, begin + 4)
      .map((line) => line.trim())
      .join("\n");
    const { stdout } = await run("bash", ["-c", command.replace(/^curl /, "curl -sS --fail-with-body ")]);
    const body = JSON.parse(stdout) as {
      choices: { message: { content: string } }[];
      usage: { total_tokens: number };
    };
    expect(body.choices[0]?.message.content).toBeTypeOf("string");
    expect(body.usage.total_tokens).toBeGreaterThan(0);
  });

  it("prints an openai client snippet that works as printed", async () => {
    const match = /^ {2}(node --input-type=module -e '[\s\S]*?')$/m.exec(first.output);
    expect(match?.[1]).toBeDefined();
    const { stdout } = await run("bash", ["-c", match?.[1] as string], { cwd: repository });
    expect(stdout).toMatch(/total_tokens: \d+/);
  });

  it("prints an image curl line that writes a PNG as printed", async () => {
    const lines = first.output.split("\n");
    const begin = lines.findIndex((line) => /^\s*curl -s \S+\/v1\/images\/generations/.test(line));
    expect(begin).toBeGreaterThan(0);
    const end = lines.findIndex((line, index) => index > begin && line.trim().startsWith("| node -e"));
    expect(end).toBe(begin + 4);
    const command = lines
      .slice(begin, end + 1)
      .map((line) => line.trim())
      .join("\n");
    const folder = mkdtempSync(join(home, "curl-"));
    await run(
      "bash",
      ["-c", `set -o pipefail; ${command.replace(/^curl -s /, "curl -sS --fail-with-body ")}`],
      {
        cwd: folder,
      },
    );
    const image = decodePng(readFileSync(join(folder, "fox.png")));
    expect({ width: image.width, height: image.height }).toEqual({ width: 256, height: 256 });
  });

  it("prints an openai images snippet that writes a PNG as printed", async () => {
    const snippets = [...first.output.matchAll(/^ {2}(node --input-type=module -e '[\s\S]*?')$/gm)].map(
      (match) => match[1] as string,
    );
    const snippet = snippets.find((candidate) => candidate.includes("images.generate"));
    expect(snippet).toBeDefined();
    mkdirSync(snippetFolder, { recursive: true });
    const { stdout } = await run("bash", ["-c", snippet as string], { cwd: snippetFolder });
    expect(stdout).toMatch(/wrote fox\.png/);
    const image = decodePng(readFileSync(join(snippetFolder, "fox.png")));
    expect({ width: image.width, height: image.height }).toEqual({ width: 256, height: 256 });
  });

  it("settles the session's relays on-chain while it runs", async () => {
    const state = devnetStateSchema.parse(JSON.parse(readFileSync(join(home, "devnet.json"), "utf8")));
    const client = createPublicClient({ transport: http(state.rpcUrl) });
    const deadline = Date.now() + 150_000;
    let settled = 0;
    while (settled === 0 && Date.now() < deadline) {
      const logs = await client.getLogs({
        address: state.contracts.settlement as `0x${string}`,
        fromBlock: 0n,
      });
      settled = parseEventLogs({ abi: aviarySettlementAbi, logs, eventName: "Settled" }).length;
      if (settled === 0) await new Promise((resolvePromise) => setTimeout(resolvePromise, 2_000));
    }
    expect(settled).toBeGreaterThan(0);

    // Under the settlement's rules: each claim locked max(missingProofPenalty, amount) of its supplier's stake,
    // every settled claim that needed a proof got one (two weighted leaves, or one when both draws agree), and
    // none was slashed: each settlement released its claim's collateral.
    const settlement = state.contracts.settlement as `0x${string}`;
    const events = parseEventLogs({
      abi: aviarySettlementAbi,
      logs: await client.getLogs({ address: settlement, fromBlock: 0n }),
    });
    const { missingProofPenalty } = await client.readContract({
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "params",
    });
    const claimed = new Map<string, { amount: bigint; collateral: bigint }>();
    const proven = new Set<string>();
    const released = new Map<string, bigint>();
    const settledKeys: `0x${string}`[] = [];
    for (const event of events) {
      if (event.eventName === "Claimed") claimed.set(event.args.claimKey, event.args);
      if (event.eventName === "Proven") proven.add(event.args.claimKey);
      if (event.eventName === "CollateralReleased") released.set(event.args.claimKey, event.args.amount);
      if (event.eventName === "Settled") settledKeys.push(event.args.claimKey);
      expect(event.eventName).not.toBe("ProofMissing");
    }
    for (const { amount, collateral } of claimed.values())
      expect(collateral).toBe(amount > missingProofPenalty ? amount : missingProofPenalty);
    for (const key of settledKeys) {
      expect(released.get(key)).toBe(claimed.get(key)?.collateral);
      const required = await client.readContract({
        address: settlement,
        abi: aviarySettlementAbi,
        functionName: "isProofRequired",
        args: [key],
      });
      if (required) expect(proven.has(key)).toBe(true);
    }

    // The explorer shows it: the overview counts the settlement and what it paid, and the suppliers page
    // carries the gateway's measurements of the supplier that served.
    let overview: { totals: { settled: number; paid: string; toSource: string } } | undefined;
    while (Date.now() < deadline) {
      overview = (await (await fetch(`${state.explorerUrl}/api/overview`)).json()) as typeof overview;
      if ((overview?.totals.settled ?? 0) > 0) break;
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 1_000));
    }
    expect(overview?.totals.settled).toBeGreaterThan(0);
    expect(BigInt(overview?.totals.paid ?? "0")).toBeGreaterThan(0n);
    expect(BigInt(overview?.totals.toSource ?? "0")).toBeGreaterThan(0n);
    const sessionsPage = await (await fetch(`${state.explorerUrl}/sessions`)).text();
    expect(sessionsPage).toContain('data-testid="settled-badge"');

    // What a newcomer sees in the browser on the live network (the gateway's audits included): the
    // screenshots are kept next to the explorer's own (apps/explorer/screenshots/live-*.png).
    const screenshots = join(repository, "apps/explorer/screenshots");
    mkdirSync(screenshots, { recursive: true });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      for (const [name, path] of [
        ["overview", "/"],
        ["models", "/models"],
        ["sessions", "/sessions"],
        ["suppliers", "/suppliers"],
        ["leaderboard", "/leaderboard"],
      ] as const) {
        await page.goto(`${state.explorerUrl}${path}?refresh=0`);
        await page.screenshot({ path: join(screenshots, `live-${name}.png`), fullPage: true });
      }
      await page.goto(`${state.explorerUrl}/suppliers?refresh=0`);
      expect(await page.getByTestId("supplier-row").count()).toBe(3);
    } finally {
      await browser.close();
    }
  }, 180_000);

  it("generates images with the openai client, equal to the reference, and pays exactly what the receipts say", async () => {
    const state = devnetStateSchema.parse(JSON.parse(readFileSync(join(home, "devnet.json"), "utf8")));
    const gateway = state.gateway as NonNullable<typeof state.gateway>;
    const openai = new OpenAI({ baseURL: gateway.baseUrl, apiKey: gateway.apiKey });
    const pipeline = await loadImagePipeline(
      (await ensureTestImageModel({ directory: join(home, "models") })).path,
      { threads: 1 },
    );
    try {
      // A few requests, so more than one supplier serves: each PNG has the asked size and is the reference's
      // render for the same seed (image i uses seed + i).
      for (const seed of [11, 12, 13]) {
        const request = {
          model: testImageModelName,
          prompt: `a red fox, take ${seed}`,
          n: 2,
          size: "64x64",
          response_format: "b64_json",
          seed,
          steps: 3,
        };
        const answer = await openai.images.generate(
          request as unknown as OpenAI.Images.ImageGenerateParamsNonStreaming,
        );
        expect((answer as unknown as { usage: unknown }).usage).toEqual({ images: 2, steps: 3, units: 6 });
        const reference = await pipeline.render({
          prompt: request.prompt,
          n: 2,
          width: 64,
          height: 64,
          steps: 3,
          seed,
        });
        expect(answer.data).toHaveLength(2);
        for (const [index, image] of (answer.data ?? []).entries()) {
          const bytes = Buffer.from(image.b64_json as string, "base64");
          expect(decodePng(bytes)).toMatchObject({ width: 64, height: 64 });
          expect(bytes.equals(Buffer.from(reference.images[index] as Uint8Array))).toBe(true);
        }
      }
    } finally {
      pipeline.close();
    }

    // Every image relay the gateway was answered (the readiness check's, the printed lines', the audits', these)
    // has the supplier's signed receipt in the gateway's store: per supplier and session, what the claim must be.
    const imageModelId = keccak256(toHex(testImageModelName)).toLowerCase();
    const client = createPublicClient({ transport: http(state.rpcUrl) });
    const settlement = state.contracts.settlement as Address;
    const suppliers = (state.suppliers ?? []).map((supplier) => supplier.address.toLowerCase());
    const readReceipts = async () => {
      const store = createGatewayStore({ path: join(home, "gateway", "gateway.sqlite") });
      try {
        const expected = new Map<string, { amount: bigint; count: bigint }>();
        for (const record of await store.receiptsFor({})) {
          if (record.model.toLowerCase() !== imageModelId) continue;
          const request = JSON.parse(record.request) as { inputPrice: string; outputPrice: string };
          const receipt = JSON.parse(record.receipt) as { inputUnits: string; outputUnits: string };
          const index = suppliers.indexOf(record.supplier.toLowerCase());
          // Priced per image·step at the supplier's image offer, nothing per input.
          expect(BigInt(receipt.inputUnits)).toBe(0n);
          expect(BigInt(request.inputPrice)).toBe(0n);
          expect(BigInt(request.outputPrice)).toBe(localSupplierImagePrices[index]?.outputPrice);
          const key = `${record.supplier.toLowerCase()}:${record.session}`;
          const sum = expected.get(key) ?? { amount: 0n, count: 0n };
          expected.set(key, {
            amount:
              sum.amount +
              relayCost({
                request: { inputPrice: BigInt(request.inputPrice), outputPrice: BigInt(request.outputPrice) },
                receipt: { inputUnits: BigInt(receipt.inputUnits), outputUnits: BigInt(receipt.outputUnits) },
              }),
            count: sum.count + 1n,
          });
        }
        return expected;
      } finally {
        await store.close();
      }
    };
    const lastSession = (await client.getBlockNumber()) / 20n;
    const { protocolShareBps } = await client.readContract({
      address: settlement,
      abi: aviarySettlementAbi,
      functionName: "params",
    });
    const treasury = (state.accounts.find((account) => account.role === "treasury")?.address ??
      "") as Address;
    const source = (state.accounts.find((account) => account.role === "model-source")?.address ??
      "") as Address;

    // Wait until every image claim up to this session has settled (a session is 20 blocks; claims, proofs
    // and settlement take about as long again).
    const deadline = Date.now() + 150_000;
    for (;;) {
      const events = parseEventLogs({
        abi: aviarySettlementAbi,
        logs: await client.getLogs({ address: settlement, fromBlock: 0n }),
      });
      const claims = events.filter(
        (event) => event.eventName === "Claimed" && event.args.model.toLowerCase() === imageModelId,
      ) as Extract<(typeof events)[number], { eventName: "Claimed" }>[];
      const settled = new Map(
        events.flatMap((event) =>
          event.eventName === "Settled" ? [[event.args.claimKey, event] as const] : [],
        ),
      );
      const expected = await readReceipts();
      const due = [...expected.keys()].filter((key) => BigInt(key.split(":")[1] as string) <= lastSession);
      const claimed = (key: string) =>
        claims.find((claim) => `${claim.args.supplier.toLowerCase()}:${claim.args.session}` === key);
      if (due.length === 0 || !due.every((key) => settled.has(claimed(key)?.args.claimKey as Hex))) {
        if (Date.now() > deadline) throw new Error(`image claims not settled in time: ${due.join(", ")}`);
        await new Promise((resolvePromise) => setTimeout(resolvePromise, 2_000));
        continue;
      }
      expect(new Set(due.map((key) => key.split(":")[0])).size).toBeGreaterThan(1);
      const byTransaction = new Set<Hex>();
      for (const key of due) {
        const claim = claimed(key) as NonNullable<ReturnType<typeof claimed>>;
        const sum = expected.get(key) as { amount: bigint; count: bigint };
        // The claim is the receipts' sum (every relay mined on the devnet) and count.
        expect({ amount: claim.args.amount, count: BigInt(claim.args.rootCount) }).toEqual(sum);
        const payment = settled.get(claim.args.claimKey) as NonNullable<ReturnType<typeof settled.get>>;
        if (payment.eventName !== "Settled") throw new Error("not a settlement");
        // The application's budget covers it: paid in full, split by the source's share and the protocol fee.
        expect(payment.args.paid).toBe(sum.amount);
        const split = splitPayment({ pay: sum.amount, sourceShareBps: 1000, protocolShareBps });
        expect({
          toSource: payment.args.toSource,
          toTreasury: payment.args.toTreasury,
          toSupplier: payment.args.toSupplier,
        }).toEqual(split);
        byTransaction.add(payment.transactionHash);
      }
      // And the tokens moved: each settling transaction (it may settle text claims too) sends the supplier,
      // the source and the treasury exactly what its settlements say, these image claims' included.
      const supplierOf = new Map(
        events.flatMap((event) =>
          event.eventName === "Claimed"
            ? [[event.args.claimKey, event.args.supplier.toLowerCase()] as const]
            : [],
        ),
      );
      for (const hash of byTransaction) {
        const receipt = await client.getTransactionReceipt({ hash });
        const owed = new Map<string, bigint>();
        const owe = (to: string, amount: bigint) => owed.set(to, (owed.get(to) ?? 0n) + amount);
        for (const payment of parseEventLogs({
          abi: aviarySettlementAbi,
          logs: receipt.logs,
          eventName: "Settled",
        })) {
          owe(supplierOf.get(payment.args.claimKey) ?? "", payment.args.toSupplier);
          owe(source.toLowerCase(), payment.args.toSource);
          owe(treasury.toLowerCase(), payment.args.toTreasury);
        }
        const received = new Map<string, bigint>();
        for (const transfer of parseEventLogs({ abi: erc20Abi, logs: receipt.logs, eventName: "Transfer" })) {
          const to = transfer.args.to.toLowerCase();
          if (owed.has(to)) received.set(to, (received.get(to) ?? 0n) + transfer.args.value);
        }
        expect(received).toEqual(new Map([...owed].filter(([, amount]) => amount > 0n)));
      }
      break;
    }
  }, 240_000);

  it("stops everything on Ctrl-C and resumes the same chain and key on the next start", async () => {
    const before = devnetStateSchema.parse(JSON.parse(readFileSync(join(home, "devnet.json"), "utf8")));
    const stopped = await stop(first.child);
    expect(stopped.code).toBe(0);
    for (const supplier of before.suppliers ?? []) {
      await expect(fetch(`${supplier.endpoint}/health`)).rejects.toThrow();
    }
    const second = await start();
    expect(second.output).toContain("resumed chain");
    const after = devnetStateSchema.parse(JSON.parse(readFileSync(join(home, "devnet.json"), "utf8")));
    expect(after.contracts).toEqual(before.contracts);
    expect(after.gateway?.apiKey).toBe(before.gateway?.apiKey);
    const client = createPublicClient({ transport: http(after.rpcUrl) });
    expect(await client.getBlockNumber()).toBeGreaterThan(40n);
    expect((await stop(second.child)).code).toBe(0);
  }, 240_000);
});
