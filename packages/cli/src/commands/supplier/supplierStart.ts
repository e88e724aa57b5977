import { loadSupplierConfig, startSupplier } from "@aviary/supplier";
import { runUntilSignal } from "../../io/runUntilSignal.ts";
import type { SupplierStartOptions } from "./supplierStart.command.ts";

/** `aviary supplier start`: runs the node until SIGINT/SIGTERM, then finishes in-flight relays and stops. */
export async function supplierStart(options: SupplierStartOptions): Promise<void> {
  const config = loadSupplierConfig(options.config);
  const node = await startSupplier(config);
  console.log(
    `ready: supplier ${node.supplier} serving ${node.models.map((model) => model.name).join(", ")} at ${node.url}`,
  );
  await runUntilSignal(() => node.stop());
}
