import { describe, expect, test } from "vitest";
import { makeRelayRecord } from "../../test/store/relayStore.fixtures.ts";
import { RelayRecordInvalidError } from "./errors.ts";
import type { RelayRecord } from "./RelayStore.ts";
import { fastDecodeRelayRecord, fastEncodeRelayRecord } from "./relayRecordFastCodec.ts";
import { decodeRelayRecordLine, encodeRelayRecord, relayRecordSchema } from "./relayStoreCodec.ts";

/** What the zod path alone writes. */
const slowEncode = (record: unknown) =>
  JSON.stringify(relayRecordSchema.parse(record), (_key, value) =>
    typeof value === "bigint" ? value.toString() : value,
  );

describe("relay record codec", () => {
  test("test_fastEncode_matchesTheZodPath_andRoundtrips", () => {
    for (const nonce of [0n, 1n, 2n ** 63n, 2n ** 64n - 1n]) {
      const record = makeRelayRecord({ session: nonce, nonce });
      const line = fastEncodeRelayRecord(record);
      expect(line).toBe(slowEncode(record));
      expect(encodeRelayRecord(record)).toBe(line);
      const json = JSON.parse(line as string);
      expect(fastDecodeRelayRecord(json)).toEqual(relayRecordSchema.parse(json));
      expect(decodeRelayRecordLine(line as string)).toEqual({ ok: true, value: record });
    }
  });

  test("test_nonCanonicalInput_fallsBackToZod", () => {
    const record = makeRelayRecord({ session: 3n, nonce: 4n });
    const numeric = { ...record, request: { ...record.request, nonce: 4 } } as unknown as RelayRecord;
    expect(fastEncodeRelayRecord(numeric)).toBeUndefined();
    expect(encodeRelayRecord(numeric)).toBe(slowEncode(record));
    const json = JSON.parse(slowEncode(record));
    json.request.session = 3; // a number on disk: not canonical, still valid for zod
    expect(fastDecodeRelayRecord(json)).toBeUndefined();
    expect(decodeRelayRecordLine(JSON.stringify(json))).toEqual({ ok: true, value: record });
  });

  test("test_invalidRecords_areRejectedByBothPaths", () => {
    const record = makeRelayRecord({ session: 3n, nonce: 4n });
    const invalid: RelayRecord[] = [
      { ...record, relayKey: "0x12" },
      { ...record, request: { ...record.request, nonce: 2n ** 64n } },
      { ...record, request: { ...record.request, maxCost: -1n } },
      { ...record, receipt: { ...record.receipt, outputUnits: 2n ** 64n } },
      { ...record, requestSignature: `0x${"ab".repeat(64)}` },
      { ...record, servedAt: 1.5 },
    ];
    for (const bad of invalid) {
      expect(fastEncodeRelayRecord(bad)).toBeUndefined();
      expect(() => encodeRelayRecord(bad)).toThrow(RelayRecordInvalidError);
    }
    const json = JSON.parse(encodeRelayRecord(record));
    json.request.inputPrice = (2n ** 128n).toString();
    const decoded = decodeRelayRecordLine(JSON.stringify(json));
    expect(decoded.ok).toBe(false);
    expect(decoded.ok === false && decoded.reason).toContain("request.inputPrice");
    expect(decodeRelayRecordLine("{").ok).toBe(false);
  });
});
