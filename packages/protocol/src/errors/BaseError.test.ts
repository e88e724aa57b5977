import { describe, expect, test } from "vitest";
import { BaseError } from "./BaseError.ts";
import { TrieDuplicateKeyError } from "./trie.ts";

describe("BaseError", () => {
  test("test_message_composesShortMessageMetaAndDetails", () => {
    const error = new BaseError("Something failed.", { metaMessages: ["Value: 1"], details: "because" });
    expect(error.message).toBe("Something failed.\n\nValue: 1\n\nDetails: because");
    expect(error.shortMessage).toBe("Something failed.");
    expect(error.isRetryable).toBe(false);
    expect(error.name).toBe("AviaryError");
  });

  test("test_walk_followsCauseChain", () => {
    const root = new Error("socket closed");
    const middle = new BaseError("Request failed.", { cause: root, isRetryable: true });
    const top = new BaseError("Claim failed.", { cause: middle });
    expect(top.walk()).toBe(root);
    expect(top.walk((error) => error instanceof BaseError && error.isRetryable)).toBe(middle);
    expect(top.details).toBe("socket closed");
    expect(top.cause).toBe(middle);
  });

  test("test_subclass_isInstanceAndNamed", () => {
    const error = new TrieDuplicateKeyError({ key: `0x${"00".repeat(32)}` });
    expect(error).toBeInstanceOf(BaseError);
    expect(error.name).toBe("TrieDuplicateKeyError");
    expect(error.key).toBe(`0x${"00".repeat(32)}`);
  });
});
