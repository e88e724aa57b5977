import { loadGatewayConfig, startGateway } from "@aviary/gateway";
import { runUntilSignal } from "../../io/runUntilSignal.ts";

/** `aviary gateway start`: serves the OpenAI-compatible API until SIGINT/SIGTERM, then drains in-flight streams. */
export async function gatewayStart(options: { config: string }): Promise<void> {
  const gateway = await startGateway(loadGatewayConfig(options.config));
  console.log(`ready: gateway at ${gateway.url}/v1 (applications ${gateway.applications.join(", ")})`);
  await runUntilSignal(() => gateway.stop());
}
