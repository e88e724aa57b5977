import {
  encodeReceiptHeader,
  hashRelayRequest,
  type RelayReceipt,
  type RelayRequest,
  signRelayReceipt,
} from "@aviary/protocol";
import { type Address, type Hex, hexToBytes, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, test } from "vitest";
import { ReceiptInvalidError } from "../errors.ts";
import { verifyRelayReceipt } from "./verifyRelayReceipt.ts";

const domain = { chainId: 31337, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address };
const operatorKey = generatePrivateKey();
const operator = privateKeyToAccount(operatorKey).address;
const response = new TextEncoder().encode('{"ok":true}');
const request: RelayRequest = {
  application: privateKeyToAccount(generatePrivateKey()).address,
  supplier: privateKeyToAccount(generatePrivateKey()).address,
  model: keccak256(toHex("model")),
  session: 4n,
  nonce: 1n,
  bodyHash: keccak256(toHex("body")),
  inputPrice: 2n,
  outputPrice: 3n,
  maxCost: 1_000n,
};
const receipt: RelayReceipt = {
  request: hashRelayRequest(request),
  responseHash: keccak256(response),
  inputUnits: 10n,
  outputUnits: 20n,
};
const order = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const verify = (signature: Hex) =>
  verifyRelayReceipt({
    encoded: encodeReceiptHeader({ receipt, signature }),
    request,
    response,
    operator,
    domain,
  });

describe("verifyRelayReceipt: the signature rule", () => {
  test("test_verifyRelayReceipt_ruleForm_isAccepted", async () => {
    const signature = await signRelayReceipt({ domain, receipt, signer: operatorKey });
    expect((await verify(signature)).cost).toBe(80n);
  });

  test("test_verifyRelayReceipt_vZeroOrOne_isRejected_thoughItRecovers", async () => {
    const signature = await signRelayReceipt({ domain, receipt, signer: operatorKey });
    const v = (hexToBytes(signature)[64] as number) - 27;
    const error = await verify(`${signature.slice(0, -2)}0${v}` as Hex).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReceiptInvalidError);
    expect(error).toMatchObject({ reason: "wrong_signer" });
    expect((error as Error).message).toContain("breaks the signature rule");
  });

  test("test_verifyRelayReceipt_highS_isRejected", async () => {
    const signature = await signRelayReceipt({ domain, receipt, signer: operatorKey });
    const bytes = hexToBytes(signature);
    const s = BigInt(toHex(bytes.slice(32, 64)));
    const flipped = toHex(order - s, { size: 32 }).slice(2);
    const v = bytes[64] === 27 ? "1c" : "1b";
    const error = await verify(`${signature.slice(0, 66)}${flipped}${v}` as Hex).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ reason: "wrong_signer" });
  });
});
