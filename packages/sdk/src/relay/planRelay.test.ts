import type { ModelCapabilities } from "@aviary/protocol";
import { type Address, keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import type { SupplierCandidateInfo } from "../discovery/discoverSuppliers.ts";
import { UNKNOWN_MODEL_CAPABILITIES } from "../discovery/fetchSupplierCapabilities.ts";
import {
  ChainReadError,
  NoEligibleSupplierError,
  NoSupplierError,
  UnsupportedParameterError,
} from "../errors.ts";
import { type ProviderOptions, SupplierStatsBook } from "../routing/index.ts";
import { planRelay } from "./planRelay.ts";
import { SupplierDistrust } from "./SupplierDistrust.ts";

const supplier = (index: number, price = 10n): SupplierCandidateInfo => ({
  address: `0x${String(index).padStart(40, "0")}` as Address,
  endpoint: `http://127.0.0.1:${9000 + index}`,
  operator: `0x${String(index + 50).padStart(40, "0")}` as Address,
  inputPrice: price,
  outputPrice: price,
});
const body = { model: "m", messages: [{ role: "user", content: "hi" }] };
const prepared = {
  route: "chat/completions" as const,
  body,
  model: "m",
  modelId: keccak256(toHex("m")),
  provider: undefined,
  inputUnits: 10n,
  outputUnits: 10n,
};
const directoryOf = (bySession: Record<string, SupplierCandidateInfo[]>) => ({
  get: async (_model: string, session: bigint) => bySession[String(session)] ?? [],
});
const provider = (options: Partial<ProviderOptions>): ProviderOptions => ({
  allow_fallbacks: true,
  require_parameters: true,
  data_collection: "allow",
  ...options,
});
const capable = (
  index: number,
  declared: Partial<ModelCapabilities>,
  price = 10n,
): SupplierCandidateInfo => ({
  ...supplier(index, price),
  capabilities: { ...UNKNOWN_MODEL_CAPABILITIES, ...declared },
});
const common = { book: new SupplierStatsBook(), strategy: { type: "price" as const }, random: () => 0 };

describe("planRelay", () => {
  it("test_planRelay_laggedSessionFirst_thenTheHeads", async () => {
    const both = directoryOf({ "4": [supplier(1)], "5": [supplier(2)] });
    expect((await planRelay({ ...common, prepared, sessions: [4n, 5n], directory: both })).session).toBe(4n);
    const onlyHead = directoryOf({ "5": [supplier(2)] });
    const planned = await planRelay({ ...common, prepared, sessions: [4n, 5n], directory: onlyHead });
    expect(planned.session).toBe(5n);
    expect(planned.plan.map((candidate) => candidate.address)).toEqual([supplier(2).address]);
    // The signer cannot pay in the lagged session (no delegation yet): the head's.
    const unsigned = await planRelay({
      ...common,
      prepared,
      sessions: [4n, 5n],
      directory: both,
      canSign: (session) => session !== 4n,
    });
    expect(unsigned.session).toBe(5n);
  });

  it("test_planRelay_nobody_throwsNoSupplierOrNoEligible", async () => {
    await expect(
      planRelay({ ...common, prepared, sessions: [4n], directory: directoryOf({}) }),
    ).rejects.toThrow(NoSupplierError);
    await expect(
      planRelay({
        ...common,
        prepared: { ...prepared, provider: provider({ max_price: { completion: "1" } }) },
        sessions: [4n],
        directory: directoryOf({ "4": [supplier(1)] }),
      }),
    ).rejects.toThrow(NoEligibleSupplierError);
    await expect(
      planRelay({
        ...common,
        prepared,
        sessions: [4n],
        directory: { get: async () => Promise.reject(new Error("rpc down")) },
      }),
    ).rejects.toThrow(ChainReadError);
  });

  it("test_planRelay_distrusted_onlyALastResort_evenWhenOrderedFirst", async () => {
    const distrust = new SupplierDistrust({ distrustMs: 60_000 });
    const directory = directoryOf({ "4": [supplier(1), supplier(2), supplier(3)] });
    const liar = supplier(1).address;
    distrust.distrust(liar.toUpperCase());
    const planned = await planRelay({
      ...common,
      prepared: { ...prepared, provider: provider({ order: [liar] }) },
      sessions: [4n],
      directory,
      distrust,
      maxAttempts: 3,
    });
    expect(planned.plan.at(-1)?.address).toBe(liar);
    expect(planned.plan).toHaveLength(3);
    // Alone, it is still tried: better a supplier to check than none.
    const alone = await planRelay({
      ...common,
      prepared,
      sessions: [4n],
      directory: directoryOf({ "4": [supplier(1)] }),
      distrust,
    });
    expect(alone.plan.map((candidate) => candidate.address)).toEqual([liar]);
    // The verdict expires.
    expect(distrust.isDistrusted(liar, Date.now() + 61_000)).toBe(false);
  });

  it("test_planRelay_capabilities_onlySuppliersThatHonourEveryField", async () => {
    const directory = directoryOf({
      "4": [supplier(1), capable(2, { tools: true }), capable(3, { tools: true, jsonSchema: true }, 20n)],
    });
    const withTools = { ...body, tools: [{ type: "function", function: { name: "f" } }] };
    const tools = await planRelay({
      ...common,
      prepared: { ...prepared, body: withTools },
      sessions: [4n],
      directory,
    });
    expect(tools.plan.map((candidate) => candidate.address)).toEqual([
      supplier(2).address,
      supplier(3).address,
    ]);
    const json = await planRelay({
      ...common,
      prepared: { ...prepared, body: { ...withTools, response_format: { type: "json_object" } } },
      sessions: [4n],
      directory,
    });
    expect(json.plan.map((candidate) => candidate.address)).toEqual([supplier(3).address]);
    // A plain request still goes to everyone, the supplier that declared nothing included.
    const plain = await planRelay({ ...common, prepared, sessions: [4n], directory, maxAttempts: 3 });
    expect(plain.plan).toHaveLength(3);
  });

  it("test_planRelay_capabilities_noneCapable_throwsUnsupportedParameterNamingTheCommonestField", async () => {
    const directory = directoryOf({
      "4": [supplier(1), capable(2, { tools: true }), capable(3, { logprobs: true })],
    });
    const refused = planRelay({
      ...common,
      prepared: {
        ...prepared,
        body: { ...body, tools: [{ type: "function", function: { name: "f" } }], logprobs: true },
      },
      sessions: [4n],
      directory,
    });
    // Supplier 1 refuses tools (the first it checks), 2 logprobs, 3 tools: tools is named.
    await expect(refused).rejects.toBeInstanceOf(UnsupportedParameterError);
    await expect(refused).rejects.toMatchObject({ param: "tools" });
    await expect(refused).rejects.toThrow(/No supplier of m supports `tools` \(3 considered\)/);
  });

  it("test_planRelay_dataCollectionDeny_onlyZeroRetentionSuppliers", async () => {
    const directory = directoryOf({ "4": [supplier(1), capable(2, { dataRetention: "none" })] });
    const planned = await planRelay({
      ...common,
      prepared: { ...prepared, provider: provider({ data_collection: "deny" }) },
      sessions: [4n],
      directory,
    });
    expect(planned.plan.map((candidate) => candidate.address)).toEqual([supplier(2).address]);
    await expect(
      planRelay({
        ...common,
        prepared: { ...prepared, provider: provider({ data_collection: "deny" }) },
        sessions: [4n],
        directory: directoryOf({ "4": [supplier(1)] }),
      }),
    ).rejects.toThrow(/zero data retention/);
  });

  it("test_planRelay_declarationsNotReadYet_waitedForOnlyWhenThePlainRuleExcludesSomeone", async () => {
    const calls: boolean[] = [];
    const listed = [supplier(1), supplier(2)];
    const directory = {
      get: async () => listed,
      // Supplier 2 declares tools, but its answer is only there for whoever waits.
      declared: async (
        _model: string,
        suppliers: readonly SupplierCandidateInfo[],
        options = { wait: false },
      ) => {
        calls.push(options.wait ?? false);
        return options.wait
          ? suppliers.map((entry) =>
              entry.address === supplier(2).address
                ? { ...entry, capabilities: { ...UNKNOWN_MODEL_CAPABILITIES, tools: true } }
                : entry,
            )
          : [...suppliers];
      },
    };
    const plain = await planRelay({ ...common, prepared, sessions: [4n], directory });
    expect(plain.plan).toHaveLength(2);
    expect(calls).toEqual([false]);
    const tools = await planRelay({
      ...common,
      prepared: { ...prepared, body: { ...body, tools: [{ type: "function", function: { name: "f" } }] } },
      sessions: [4n],
      directory,
    });
    expect(tools.plan.map((candidate) => candidate.address)).toEqual([supplier(2).address]);
    expect(calls).toEqual([false, false, true]);
  });
});
