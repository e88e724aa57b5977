import type { GatewayConfigInput, GatewayNode } from "@aviary/gateway";
import { startNetworkGateway, type TestNetwork, testModelName } from "@aviary/testkit/network";
import { createIntegrityMonitor } from "../src/createIntegrityMonitor.ts";
import type { IntegrityMonitor } from "../src/IntegrityMonitor.ts";

/**
 * A gateway on the test network that audits the test model only when the test says so: covert audits at rate 0
 * (none scheduled) and no evaluation timer, one attempt per relay (the audited supplier answers or fails), and
 * audit prompts of 16–40 tokens.
 *
 * @param audit - the rest of the audit section (at least its `seed`).
 * @example
 * ```ts
 * const gateway = await startTestDrivenAuditGateway(network, { seed: 6 });
 * await gateway.integrity?.runAudit({ supplier, model: testModelName });
 * ```
 */
export function startTestDrivenAuditGateway(
  network: TestNetwork,
  audit: Partial<NonNullable<GatewayConfigInput["audit"]>>,
): Promise<GatewayNode<IntegrityMonitor>> {
  return startNetworkGateway(
    network,
    {
      routing: {
        strategy: "quality-price",
        maxAttempts: 1,
        firstByteTimeoutMs: 20_000,
        idleTimeoutMs: 20_000,
      },
      defaultMaxTokens: 48,
      audit: {
        enabled: true,
        models: [{ name: testModelName, referencePath: network.model.path }],
        ratePerMinute: 0,
        evaluationIntervalMs: null,
        maxTokens: { min: 16, max: 40 },
        ...audit,
      },
    },
    { integrity: createIntegrityMonitor },
  );
}
