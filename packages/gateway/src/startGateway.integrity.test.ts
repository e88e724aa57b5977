import { describe, expect, test } from "vitest";
import { parseGatewayConfig } from "./config/gatewayConfig.ts";
import { IntegrityFactoryMissingError } from "./integrity/errors.ts";
import { startGateway } from "./startGateway.ts";

const config = (audit: Record<string, unknown>) =>
  parseGatewayConfig({
    // Nothing listens there: the check comes before the gateway reads the chain.
    chain: {
      rpcUrl: "http://127.0.0.1:9",
      chainId: 31337,
      registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      settlement: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    },
    gatewayKey: `0x${"22".repeat(32)}`,
    applications: ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
    store: ":memory:",
    audit,
  });

describe("startGateway and the integrity auditor", () => {
  test("test_startGateway_auditEnabledWithoutAuditor_failsBeforeServing", async () => {
    const enabled = config({ enabled: true, models: [{ name: "m", referencePath: "/nowhere/m.gguf" }] });
    const error = await startGateway(enabled).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IntegrityFactoryMissingError);
    expect((error as Error).message).toMatch(/audit\.enabled/);
    expect((error as Error).message).toMatch(/@aviary\/audit/);
  });
});
