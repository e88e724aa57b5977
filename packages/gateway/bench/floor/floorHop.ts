// One hop of "the floor" for `npm run bench:gateway`: the least a signed two-hop relay can do, written only to
// be measured against. Run twice, as two processes:
//   node --conditions=aviary-source --import tsx floorHop.ts gateway  <hop 2 base URL>   (hop 1, "gateway-like")
//   node --conditions=aviary-source --import tsx floorHop.ts supplier <stub base URL>    (hop 2, "supplier-like")
// Each is a node:http server forwarding through an undici Pool, with the crypto a relay needs and nothing else:
//   hop 1 hashes the body (keccak256), signs keccak256(bodyHash ‖ nonce) with libsecp256k1, sends it in a header;
//   hop 2 hashes the body, recovers that signature and checks the signer, forwards to the backend, hashes the
//   response, signs keccak256(requestDigest ‖ responseHash) as the receipt (a header, or an SSE comment after a
//   streamed body, which is piped chunk by chunk); hop 1 hashes the response and recovers the receipt's signer.
// No JSON is parsed, nothing is metered, stored or logged: a lower bound, not a product. Prints
// `listening <base URL>` once it serves.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { keccak256Hex } from "@aviary/protocol";
import { keccak_256 } from "@noble/hashes/sha3";
import { Pool } from "undici";

type Secp256k1 = {
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyCreate(privateKey: Uint8Array, compressed: boolean): Uint8Array;
};
const secp256k1 = createRequire(import.meta.url)("secp256k1") as Secp256k1;

const RELAY_HEADER = "x-floor-relay";
const RECEIPT_HEADER = "x-floor-receipt";
const RECEIPT_PREFIX = ": floor-receipt ";
/** `: floor-receipt <130 hex: r ‖ s ‖ recid>\n\n` — fixed length, so hop 1 can find it at the end of a stream. */
const RECEIPT_COMMENT_LENGTH = RECEIPT_PREFIX.length + 130 + 2;

const role = process.argv[2];
const upstream = process.argv[3];
if ((role !== "gateway" && role !== "supplier") || !upstream) {
  console.error("usage: floorHop.ts gateway|supplier <upstream base URL>");
  process.exit(2);
}
const upstreamUrl = new URL(upstream);
const upstreamPrefix = upstreamUrl.pathname.replace(/\/$/, "");
const pool = new Pool(upstreamUrl.origin, { connections: 256, pipelining: 1, keepAliveTimeout: 60_000 });

// Fixed keys: each hop knows the other's address, as a gateway knows a supplier's operator and vice versa.
// One-shot hashes through the same unrolled keccak the nodes use (like for like); streams hash
// incrementally with @noble/hashes, as the supplier does.
const oneShotKeccak = (bytes: Uint8Array) => Buffer.from(keccak256Hex(bytes).slice(2), "hex");
const keyOf = (name: string) => keccak_256(new TextEncoder().encode(`floor-${name}`));
const addressOf = (publicKey: Uint8Array) => keccak_256(publicKey.subarray(1)).subarray(12);
const ownKey = keyOf(role);
const peerAddress = addressOf(
  secp256k1.publicKeyCreate(keyOf(role === "gateway" ? "supplier" : "gateway"), false),
);

function sign(digest: Uint8Array): string {
  const { signature, recid } = secp256k1.ecdsaSign(digest, ownKey);
  return Buffer.from(signature).toString("hex") + recid.toString(16).padStart(2, "0");
}

/** True when `hex` (130 hex digits: r ‖ s ‖ recid) over `digest` recovers to the peer's address. */
function signedByPeer(digest: Uint8Array, hex: string): boolean {
  if (hex.length !== 130) return false;
  const bytes = Buffer.from(hex, "hex");
  try {
    const publicKey = secp256k1.ecdsaRecover(bytes.subarray(0, 64), bytes[64] ?? 0, digest, false);
    return Buffer.compare(addressOf(publicKey), peerAddress) === 0;
  } catch {
    return false;
  }
}

const digestOf = (first: Uint8Array, second: Uint8Array) => {
  const buffer = new Uint8Array(64);
  buffer.set(first, 0);
  buffer.set(second, 32);
  return oneShotKeccak(buffer);
};

let nonce = 0n;
function nonceBytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(32);
  new DataView(bytes.buffer).setBigUint64(24, value);
  return bytes;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => resolve(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)));
    request.on("error", reject);
  });
}

function fail(response: ServerResponse, status: number, message: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const text = JSON.stringify({ error: { message, type: "floor_error", code: status } });
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

async function forward(path: string, headers: Record<string, string>, body: Buffer) {
  return pool.request({
    path: `${upstreamPrefix}${path}`,
    method: "POST",
    headers: { "content-type": "application/json", "content-length": String(body.length), ...headers },
    body,
  });
}

/** Hop 1: sign the request, forward it, check the receipt. */
async function serveGatewayHop(request: IncomingMessage, response: ServerResponse, path: string) {
  const body = await readBody(request);
  nonce += 1n;
  const requestDigest = digestOf(oneShotKeccak(body), nonceBytes(nonce));
  const upstreamResponse = await forward(path, { [RELAY_HEADER]: `${nonce}.${sign(requestDigest)}` }, body);
  const contentType = String(upstreamResponse.headers["content-type"] ?? "application/json");
  if (upstreamResponse.statusCode !== 200) {
    const text = await upstreamResponse.body.text();
    return fail(response, 502, `hop 2 answered ${upstreamResponse.statusCode}: ${text.slice(0, 200)}`);
  }
  if (!contentType.startsWith("text/event-stream")) {
    const bytes = Buffer.from(await upstreamResponse.body.arrayBuffer());
    const receipt = String(upstreamResponse.headers[RECEIPT_HEADER] ?? "");
    if (!signedByPeer(digestOf(requestDigest, oneShotKeccak(bytes)), receipt)) {
      return fail(response, 502, "the receipt does not recover to hop 2");
    }
    response.writeHead(200, { "content-type": contentType, "content-length": bytes.length });
    response.end(bytes);
    return;
  }
  // Streamed: each chunk goes on at once; the hash trails by the receipt comment's length, so that what is
  // left at the end is exactly the comment.
  response.writeHead(200, { "content-type": contentType, "cache-control": "no-cache" });
  const hasher = keccak_256.create();
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of upstreamResponse.body as AsyncIterable<Buffer>) {
    response.write(chunk);
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (pending.length > RECEIPT_COMMENT_LENGTH) {
      hasher.update(pending.subarray(0, pending.length - RECEIPT_COMMENT_LENGTH));
      pending = pending.subarray(pending.length - RECEIPT_COMMENT_LENGTH);
    }
  }
  const comment = pending.toString("latin1");
  const valid =
    comment.startsWith(RECEIPT_PREFIX) &&
    signedByPeer(digestOf(requestDigest, hasher.digest()), comment.slice(RECEIPT_PREFIX.length, -2));
  if (!valid) {
    response.destroy(new Error("the streamed receipt does not recover to hop 2"));
    return;
  }
  response.end();
}

/** Hop 2: check the request's signature, forward it to the backend, sign the receipt. */
async function serveSupplierHop(request: IncomingMessage, response: ServerResponse, path: string) {
  const body = await readBody(request);
  const [nonceText = "", signature = ""] = String(request.headers[RELAY_HEADER] ?? "").split(".");
  if (!/^\d+$/.test(nonceText)) return fail(response, 401, "no relay header");
  const requestDigest = digestOf(oneShotKeccak(body), nonceBytes(BigInt(nonceText)));
  if (!signedByPeer(requestDigest, signature))
    return fail(response, 401, "the relay does not recover to hop 1");
  const upstreamResponse = await forward(path, {}, body);
  const contentType = String(upstreamResponse.headers["content-type"] ?? "application/json");
  if (upstreamResponse.statusCode !== 200) {
    const text = await upstreamResponse.body.text();
    return fail(response, 502, `the backend answered ${upstreamResponse.statusCode}: ${text.slice(0, 200)}`);
  }
  if (!contentType.startsWith("text/event-stream")) {
    const bytes = Buffer.from(await upstreamResponse.body.arrayBuffer());
    response.writeHead(200, {
      "content-type": contentType,
      "content-length": bytes.length,
      [RECEIPT_HEADER]: sign(digestOf(requestDigest, oneShotKeccak(bytes))),
    });
    response.end(bytes);
    return;
  }
  response.writeHead(200, { "content-type": contentType, "cache-control": "no-cache" });
  const hasher = keccak_256.create();
  for await (const chunk of upstreamResponse.body as AsyncIterable<Buffer>) {
    hasher.update(chunk);
    response.write(chunk);
  }
  response.end(`${RECEIPT_PREFIX}${sign(digestOf(requestDigest, hasher.digest()))}\n\n`);
}

const serve = role === "gateway" ? serveGatewayHop : serveSupplierHop;
const server = createServer((request, response) => {
  const path = (request.url ?? "/").replace(/^\/v1/, "");
  serve(request, response, path).catch((error: Error) => fail(response, 502, error.message));
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
});
process.once("SIGTERM", () => {
  server.closeAllConnections();
  server.close();
  void pool.close().finally(() => process.exit(0));
});
