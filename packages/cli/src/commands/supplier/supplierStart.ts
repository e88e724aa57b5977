import { loadSupplierConfig, startSupplier } from "@aviary/supplier";

/** `aviary supplier start`: runs the node until SIGINT/SIGTERM, then finishes in-flight relays and stops. */
export async function supplierStart(options: { config: string }): Promise<void> {
  const config = loadSupplierConfig(options.config);
  const node = await startSupplier(config);
  console.log(
    `ready: supplier ${node.supplier} serving ${node.models.map((model) => model.name).join(", ")} at ${node.url}`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await node.stop();
}
