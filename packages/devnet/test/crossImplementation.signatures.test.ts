// Differential signature fuzz: the one signature rule (protocol.md §4: 65 bytes r ‖ s ‖ v, v ∈ {27, 28}, s ≤ n/2,
// a non-zero signer) as the contract applies it (`recoverSigner`, the code path of prove and
// reportEquivocation) and as the off-chain code does: `recoverDigestSigner` (what the supplier's relay check
// and the gateway's receipt check call), `recoverRelayRequestSigner` / `recoverRelayReceiptSigner` and
// `isValidSignatureEncoding` (what the supplier and the SDK screen signatures with). Thousands of signatures
// over random digests and real request / receipt digests, valid and mutated (v 0 / 1 / 26 / 29 / random, the
// high-s twin, s = 0, r = 0, r ≥ n, wrong lengths, bit flips, random bytes): every implementation must give
// the same signer, or all must say "invalid". Seeded: a failure names its case and reproduces.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  hashRelayReceipt,
  hashRelayRequest,
  isValidSignatureEncoding,
  type RelayReceipt,
  type RelayRequest,
  recoverDigestSigner,
  recoverRelayReceiptSigner,
  recoverRelayRequestSigner,
  relayKey,
  SignatureInvalidError,
  signDigest,
  signRelayReceipt,
  signRelayRequest,
} from "@aviary/protocol";
import { contractRecover, inChunks, Rng } from "@aviary/testkit/cross-implementation";
import {
  type Address,
  createPublicClient,
  type Hex,
  hexToBytes,
  http,
  type PublicClient,
  recoverAddress,
  zeroAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Devnet, devnetChain, startDevnet } from "../src/index.ts";

/** secp256k1's group order n and n / 2. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF = N >> 1n;
/** eth_calls per JSON-RPC batch. */
const CHUNK = 200;

let devnet: Devnet;
let home: string;
let client: PublicClient;
let settlement: Address;
let domain: { chainId: number; verifyingContract: Address };

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "aviary-xi-signatures-"));
  devnet = await startDevnet({ home, persist: false });
  settlement = devnet.contracts.settlement as Address;
  domain = { chainId: devnet.chainId, verifyingContract: settlement };
  client = createPublicClient({
    chain: devnetChain(devnet.rpcUrl, devnet.chainId),
    transport: http(devnet.rpcUrl, { batch: { batchSize: CHUNK, wait: 0 } }),
  }) as PublicClient;
});

afterAll(async () => {
  await devnet?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

const word = (value: bigint) => value.toString(16).padStart(64, "0");
const encode = (r: bigint, s: bigint, v: number): Hex =>
  `0x${word(r)}${word(s)}${(v & 0xff).toString(16).padStart(2, "0")}`;
const partsOf = (signature: Hex) => ({
  r: BigInt(signature.slice(0, 66)),
  s: BigInt(`0x${signature.slice(66, 130)}`),
  v: Number.parseInt(signature.slice(130, 132), 16),
});

/** What a signature is over: a bare digest, or the digest of a request / receipt (the typed recover paths). */
type Message =
  | { kind: "digest"; digest: Hex }
  | { kind: "request"; digest: Hex; request: RelayRequest }
  | { kind: "receipt"; digest: Hex; receipt: RelayReceipt };

type Case = { name: string; message: Message; signature: Hex; signer: Address };

function randomRequest(rng: Rng, application: Address): RelayRequest {
  return {
    application,
    supplier: rng.address(),
    model: rng.bytes32(),
    session: rng.bits(20),
    nonce: rng.bits(64),
    bodyHash: rng.bytes32(),
    inputPrice: rng.bits(40),
    outputPrice: rng.bits(40),
    maxCost: rng.bits(100),
  };
}

/** The mutations of one valid signature: each a name and the bytes to try. */
function mutationsOf(rng: Rng, signature: Hex): [string, Hex][] {
  const { r, s, v } = partsOf(signature);
  const twin = v === 27 ? 28 : 27;
  const flip = (bits: number): Hex => {
    const bytes = hexToBytes(signature);
    for (let i = 0; i < bits; i++) {
      const bit = rng.int(520);
      bytes[bit >>> 3] = (bytes[bit >>> 3] as number) ^ (1 << (bit & 7));
    }
    return `0x${Buffer.from(bytes).toString("hex")}`;
  };
  return [
    ["valid", signature],
    ["v 0/1 (raw recovery id)", encode(r, s, v - 27)],
    ["v other parity", encode(r, s, twin)],
    ["v 0", encode(r, s, 0)],
    ["v 1", encode(r, s, 1)],
    ["v 26", encode(r, s, 26)],
    ["v 29", encode(r, s, 29)],
    ["v 35/36 (EIP-155 style)", encode(r, s, v + 8)],
    ["v random", encode(r, s, rng.int(256))],
    ["high-s twin (n − s, parity flipped)", encode(r, N - s, twin)],
    ["high-s twin with v 0/1", encode(r, N - s, twin - 27)],
    ["high s, same v", encode(r, N - s, v)],
    ["s = n/2 + 1", encode(r, HALF + 1n, v)],
    ["s = n/2", encode(r, HALF, v)],
    ["s = n − 1", encode(r, N - 1n, v)],
    ["s = n", encode(r, N, v)],
    ["s = 0", encode(r, 0n, v)],
    ["r = 0", encode(0n, s, v)],
    ["r = n", encode(N, s, v)],
    ["r = n + 1", encode(N + 1n, s, v)],
    ["r = 2^256 − 1", encode((1n << 256n) - 1n, s, v)],
    ["r random", encode(rng.bits(256), s, v)],
    ["r and s random, low s", encode(rng.bits(256), 1n + rng.below(HALF), 27 + rng.int(2))],
    ["64 bytes (no v)", signature.slice(0, 130) as Hex],
    ["66 bytes (a trailing zero)", `${signature}00`],
    ["66 bytes (v doubled)", `${signature}${signature.slice(130)}` as Hex],
    ["empty", "0x"],
    ["130 bytes (two signatures)", `${signature}${signature.slice(2)}` as Hex],
    ["one bit flipped", flip(1)],
    ["three bits flipped", flip(3)],
    ["65 random bytes", rng.hex(65)],
  ];
}

describe("the one signature rule: contract recoverSigner vs the library's recover paths", () => {
  it("thousands of valid and mutated signatures: recoverDigestSigner, recoverRelay{Request,Receipt}Signer and the contract agree on every one", async () => {
    const rng = new Rng(21);
    const keys = Array.from({ length: 20 }, () => rng.bytes32()).map((key) => ({
      key,
      address: privateKeyToAccount(key).address,
    }));
    const cases: Case[] = [];
    for (const [index, { key, address }] of keys.entries()) {
      for (let i = 0; i < 12; i++) {
        let message: Message;
        let signature: Hex;
        if (i % 3 === 0) {
          const digest = rng.bytes32();
          message = { kind: "digest", digest };
          signature = signDigest(hexToBytes(digest), hexToBytes(key));
        } else if (i % 3 === 1) {
          const request = randomRequest(rng, address);
          message = { kind: "request", digest: relayKey({ domain, request }), request };
          // Alternate the two signers: the library's typed path (viem) and libsecp256k1 over the digest.
          signature =
            index % 2 === 0
              ? await signRelayRequest({ domain, request, signer: key })
              : signDigest(hexToBytes(message.digest), hexToBytes(key));
        } else {
          const request = randomRequest(rng, rng.address());
          const receipt: RelayReceipt = {
            request: hashRelayRequest(request),
            responseHash: rng.bytes32(),
            inputUnits: rng.bits(30),
            outputUnits: rng.bits(30),
          };
          message = { kind: "receipt", digest: hashRelayReceipt({ domain, receipt }), receipt };
          signature = await signRelayReceipt({ domain, receipt, signer: privateKeyToAccount(key) });
        }
        for (const [name, mutated] of mutationsOf(rng, signature))
          cases.push({ name, message, signature: mutated, signer: address });
      }
    }
    expect(cases.length).toBeGreaterThan(4000);

    const started = performance.now();
    const onChain = await inChunks(cases, CHUNK, (c) =>
      contractRecover(client, settlement, c.message.digest, c.signature),
    );
    const seconds = (performance.now() - started) / 1000;

    const failures: string[] = [];
    const outcomes = new Map<string, { recovered: number; invalid: number }>();
    for (const [i, c] of cases.entries()) {
      const contract = onChain[i] as Address;
      const digestPath = recoverDigestSigner(hexToBytes(c.message.digest), c.signature) ?? zeroAddress;
      let typedPath: Address | undefined;
      if (c.message.kind !== "digest") {
        try {
          typedPath =
            c.message.kind === "request"
              ? await recoverRelayRequestSigner({
                  domain,
                  request: c.message.request,
                  signature: c.signature,
                })
              : await recoverRelayReceiptSigner({
                  domain,
                  receipt: c.message.receipt,
                  signature: c.signature,
                });
        } catch (error) {
          if (!(error instanceof SignatureInvalidError)) throw error;
          typedPath = zeroAddress;
        }
      }
      const encodingValid = isValidSignatureEncoding(c.signature);
      const label = `${c.name} (${c.message.kind} ${c.message.digest}, signature ${c.signature})`;
      if (digestPath !== contract)
        failures.push(`${label}: recoverDigestSigner ${digestPath}, contract ${contract}`);
      if (typedPath !== undefined && typedPath !== contract)
        failures.push(`${label}: recoverRelay${c.message.kind}Signer ${typedPath}, contract ${contract}`);
      // The encoding screen never rejects what the contract accepts, nor accepts what breaks the rule.
      if (contract !== zeroAddress && !encodingValid)
        failures.push(`${label}: recovered but encoding invalid`);
      // Only the true signer ever comes back from the signature as produced.
      if (c.name === "valid" && contract !== c.signer)
        failures.push(`${label}: valid signature recovers ${contract}`);
      const outcome = outcomes.get(c.name) ?? { recovered: 0, invalid: 0 };
      if (contract === zeroAddress) outcome.invalid++;
      else outcome.recovered++;
      outcomes.set(c.name, outcome);
    }
    expect(failures.slice(0, 20)).toEqual([]);

    // What the rule says about each mutation, on-chain (and so, above, off-chain too).
    const always = (name: string, what: "recovered" | "invalid") =>
      expect(outcomes.get(name)?.[what === "recovered" ? "invalid" : "recovered"], `${name}: ${what}`).toBe(
        0,
      );
    always("valid", "recovered");
    always("s = n/2", "recovered");
    always("v other parity", "recovered"); // a valid encoding: it recovers someone (else)
    for (const name of [
      "v 0/1 (raw recovery id)",
      "v 0",
      "v 1",
      "v 26",
      "v 29",
      "v 35/36 (EIP-155 style)",
      "high-s twin (n − s, parity flipped)",
      "high-s twin with v 0/1",
      "high s, same v",
      "s = n/2 + 1",
      "s = n − 1",
      "s = n",
      "s = 0",
      "r = 0",
      "r = n",
      "r = n + 1",
      "r = 2^256 − 1",
      "64 bytes (no v)",
      "66 bytes (a trailing zero)",
      "66 bytes (v doubled)",
      "empty",
      "130 bytes (two signatures)",
    ])
      always(name, "invalid");
    // The random ones exercise both outcomes across the run.
    const random = outcomes.get("r and s random, low s");
    expect(random?.recovered).toBeGreaterThan(0);
    expect(random?.invalid).toBeGreaterThan(0);
    console.log(
      `\n${cases.length} signatures checked against recoverSigner in ${seconds.toFixed(1)} s (${Math.round(cases.length / seconds)}/s, batches of ${CHUNK})`,
    );
  });

  it("viem's recoverAddress (a looser rule: v 0/1 and high s) agrees wherever the contract recovers", async () => {
    // A third implementation: where the one rule accepts, viem must give the same signer; where viem accepts
    // what the rule rejects (v 0 / 1, high s), the rule is stricter by design — and the library follows the rule.
    const rng = new Rng(22);
    const cases: { digest: Hex; signature: Hex }[] = [];
    for (let i = 0; i < 60; i++) {
      const digest = rng.bytes32();
      const signature = signDigest(hexToBytes(digest), hexToBytes(rng.bytes32()));
      for (const [, mutated] of mutationsOf(rng, signature).slice(0, 12))
        cases.push({ digest, signature: mutated });
    }
    const onChain = await inChunks(cases, CHUNK, (c) =>
      contractRecover(client, settlement, c.digest, c.signature),
    );
    let looser = 0;
    for (const [i, c] of cases.entries()) {
      const contract = onChain[i] as Address;
      let viem: Address | undefined;
      try {
        viem = await recoverAddress({ hash: c.digest, signature: c.signature });
      } catch {
        viem = undefined;
      }
      if (contract !== zeroAddress) expect(viem, c.signature).toBe(contract);
      else if (viem !== undefined) {
        looser++;
        expect(recoverDigestSigner(hexToBytes(c.digest), c.signature), c.signature).toBeUndefined();
      }
    }
    expect(looser).toBeGreaterThan(0);
  });
});
