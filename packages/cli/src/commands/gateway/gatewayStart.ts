import { loadGatewayConfig, startGateway } from "@aviary/gateway";
import { runUntilSignal } from "../../io/runUntilSignal.ts";
import type { GatewayStartOptions } from "./gatewayStart.command.ts";

/** `aviary gateway start`: serves the OpenAI-compatible API until SIGINT/SIGTERM, then drains in-flight streams. */
export async function gatewayStart(options: GatewayStartOptions): Promise<void> {
  const config = loadGatewayConfig(options.config);
  // The auditor (and its model runtime) loads only when the configuration enables audits.
  const integrity = config.audit.enabled ? (await import("@aviary/audit")).createIntegrityMonitor : undefined;
  const gateway = await startGateway(config, integrity ? { integrity } : {});
  console.log(`ready: gateway at ${gateway.url}/v1 (applications ${gateway.applications.join(", ")})`);
  await runUntilSignal(() => gateway.stop());
}
