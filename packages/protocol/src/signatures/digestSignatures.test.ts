import { type Address, type Hex, hexToBytes, toHex } from "viem";
import { privateKeyToAccount, sign } from "viem/accounts";
import { describe, expect, test } from "vitest";
import { hashRelayRequest } from "../eip712/hashRelayRequest.ts";
import { recoverRelayReceiptSigner } from "../eip712/recoverRelayReceiptSigner.ts";
import { recoverRelayRequestSigner } from "../eip712/recoverRelayRequestSigner.ts";
import { relayKey } from "../eip712/relayKey.ts";
import type { RelayRequest } from "../eip712/schemas.ts";
import { signRelayReceipt } from "../eip712/signRelayReceipt.ts";
import { signRelayRequest } from "../eip712/signRelayRequest.ts";
import { SignatureInvalidError } from "../errors/signatures.ts";
import { seededRandom as seeded } from "../random/seededRandom.ts";
import { recoverDigestSigner, signDigest } from "./digestSignatures.ts";
import { isValidSignatureEncoding } from "./isValidSignatureEncoding.ts";

/** secp256k1's group order. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF = N >> 1n;

const random = seeded(31);
const randomBytes = (length: number) => Uint8Array.from({ length }, () => Math.floor(random() * 256));
const word = (value: bigint) => value.toString(16).padStart(64, "0");
/** r ‖ s ‖ v as hex. */
const encode = (r: bigint, s: bigint, v: number): Hex =>
  `0x${word(r)}${word(s)}${v.toString(16).padStart(2, "0")}`;
const parts = (signature: Hex) => ({
  r: BigInt(signature.slice(0, 66)),
  s: BigInt(`0x${signature.slice(66, 130)}`),
  v: Number.parseInt(signature.slice(130), 16),
});

describe("the one signature rule off-chain", () => {
  const keys = Array.from({ length: 40 }, () => toHex(randomBytes(32)));

  test("test_signDigest_alwaysLowSAndV27or28_recoversToTheSigner", async () => {
    for (const [i, key] of keys.entries()) {
      const address = privateKeyToAccount(key).address;
      for (let j = 0; j < 10; j++) {
        const digest = randomBytes(32);
        const signature = signDigest(digest, hexToBytes(key));
        const { s, v } = parts(signature);
        expect(v === 27 || v === 28, `key ${i}`).toBe(true);
        expect(s <= HALF && s > 0n).toBe(true);
        expect(isValidSignatureEncoding(signature)).toBe(true);
        expect(isValidSignatureEncoding(hexToBytes(signature))).toBe(true);
        expect(recoverDigestSigner(digest, signature)).toBe(address);
        // RFC 6979 on both sides: the same bytes as viem's signer.
        expect(signature).toBe(await sign({ hash: toHex(digest), privateKey: key, to: "hex" }));
      }
    }
    expect(() => signDigest(randomBytes(32), new Uint8Array(32))).toThrow(SignatureInvalidError);
    expect(() => signDigest(randomBytes(31), hexToBytes(keys[0] as Hex))).toThrow(SignatureInvalidError);
  });

  test("test_recoverDigestSigner_everythingOutsideTheRule_isUndefined", () => {
    const key = keys[0] as Hex;
    const address = privateKeyToAccount(key).address;
    const digest = randomBytes(32);
    const signature = signDigest(digest, hexToBytes(key));
    const { r, s, v } = parts(signature);
    const other = v === 27 ? 28 : 27;
    expect(recoverDigestSigner(digest, signature)).toBe(address);
    // The same signature in the forms the rule forbids: v 0 / 1 (raw recovery id), high s (n − s, parity flipped).
    for (const forbidden of [
      encode(r, s, v - 27),
      encode(r, N - s, other),
      encode(r, N - s, other - 27),
      encode(r, s, v + 8), // EIP-155 style 35 / 36
      encode(r, s, 29),
      encode(r, s, 26),
      encode(r, s, 255),
      encode(0n, s, v),
      encode(r, 0n, v),
      encode(N, s, v), // r not below the curve order
      encode(N + 1n, s, v),
      encode(r, N, v),
      encode(r, HALF + 1n, v),
      signature.slice(0, 130) as Hex, // 64 bytes
      `${signature}00` as Hex, // 66 bytes
      "0x" as Hex,
      `0x${"zz".repeat(65)}` as Hex,
      `${signature.slice(0, -2)}1g` as Hex,
    ])
      expect(recoverDigestSigner(digest, forbidden), forbidden).toBeUndefined();
    // s = n/2 exactly is allowed (the boundary), as it is on-chain.
    expect(isValidSignatureEncoding(encode(r, HALF, v))).toBe(true);
    expect(isValidSignatureEncoding(encode(r, HALF + 1n, v))).toBe(false);
    // The other parity recovers someone else (a valid encoding, another key), never the signer.
    expect(recoverDigestSigner(digest, encode(r, s, other))).not.toBe(address);
    // A digest that is not 32 bytes, or not bytes at all.
    expect(recoverDigestSigner(digest.subarray(0, 31), signature)).toBeUndefined();
    expect(recoverDigestSigner("0x12" as unknown as Uint8Array, signature)).toBeUndefined();
    // Upper-case hex is the same bytes.
    expect(recoverDigestSigner(digest, `0x${signature.slice(2).toUpperCase()}` as Hex)).toBe(address);
  });

  test("test_recoverDigestSigner_randomBitFlips_neverRecoverTheSigner", () => {
    const key = keys[1] as Hex;
    const address = privateKeyToAccount(key).address;
    let undefinedCount = 0;
    for (let i = 0; i < 500; i++) {
      const digest = randomBytes(32);
      const bytes = hexToBytes(signDigest(digest, hexToBytes(key)));
      const bit = Math.floor(random() * 520);
      (bytes as Uint8Array)[bit >>> 3] = (bytes[bit >>> 3] as number) ^ (1 << (bit & 7));
      const recovered = recoverDigestSigner(digest, toHex(bytes));
      expect(recovered).not.toBe(address);
      if (recovered === undefined) undefinedCount++;
      // When it recovers, the encoding is within the rule.
      else expect(isValidSignatureEncoding(bytes)).toBe(true);
    }
    expect(undefinedCount).toBeGreaterThan(0);
  });

  test("test_eip712Recover_rejectsExactlyWhatRecoverDigestSignerRejects", async () => {
    const domain = { chainId: 31337, verifyingContract: `0x${"12".repeat(20)}` as Address };
    const key = keys[2] as Hex;
    const address = privateKeyToAccount(key).address;
    const request: RelayRequest = {
      application: address,
      supplier: `0x${"34".repeat(20)}`,
      model: `0x${"56".repeat(32)}`,
      session: 3n,
      nonce: 9n,
      bodyHash: `0x${"78".repeat(32)}`,
      inputPrice: 1n,
      outputPrice: 2n,
      maxCost: 100n,
    };
    const receipt = {
      request: hashRelayRequest(request),
      responseHash: request.bodyHash,
      inputUnits: 1n,
      outputUnits: 2n,
    };
    const signature = await signRelayRequest({ domain, request, signer: key });
    const { r, s, v } = parts(signature);
    expect(await recoverRelayRequestSigner({ domain, request, signature })).toBe(address);
    for (const forbidden of [encode(r, s, v - 27), encode(r, N - s, v === 27 ? 28 : 27), encode(r, 0n, v)]) {
      await expect(recoverRelayRequestSigner({ domain, request, signature: forbidden })).rejects.toThrow(
        SignatureInvalidError,
      );
      await expect(recoverRelayReceiptSigner({ domain, receipt, signature: forbidden })).rejects.toThrow(
        SignatureInvalidError,
      );
      expect(recoverDigestSigner(hexToBytes(relayKey({ domain, request })), forbidden)).toBeUndefined();
    }
    await expect(recoverRelayRequestSigner({ domain, request, signature: encode(r, s, 0) })).rejects.toThrow(
      /v must be 27 or 28/,
    );
  });

  test("test_signRelay_outsideSignerAnsweringV01OrHighS_isNormalised", async () => {
    const domain = { chainId: 31337, verifyingContract: `0x${"12".repeat(20)}` as Address };
    const key = keys[3] as Hex;
    const account = privateKeyToAccount(key);
    const receipt = {
      request: `0x${"9a".repeat(32)}` as Hex,
      responseHash: `0x${"bc".repeat(32)}` as Hex,
      inputUnits: 5n,
      outputUnits: 6n,
    };
    const honest = await signRelayReceipt({ domain, receipt, signer: account });
    const { r, s, v } = parts(honest);
    const other = v === 27 ? 28 : 27;
    for (const answer of [
      encode(r, s, v - 27),
      encode(r, N - s, other),
      encode(r, N - s, other - 27),
      honest,
    ]) {
      const wallet = { signTypedData: async () => answer } as unknown as typeof account;
      const signature = await signRelayReceipt({ domain, receipt, signer: wallet });
      expect(signature).toBe(honest);
      expect(await recoverRelayReceiptSigner({ domain, receipt, signature })).toBe(account.address);
    }
    for (const broken of [encode(0n, s, v), encode(r, s, 29), "0x1234" as Hex]) {
      const wallet = { signTypedData: async () => broken } as unknown as typeof account;
      await expect(signRelayReceipt({ domain, receipt, signer: wallet })).rejects.toThrow(
        SignatureInvalidError,
      );
    }
  });
});
