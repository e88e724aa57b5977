import { createGatewayStore, gatewayStoreOptions, loadGatewayConfig } from "@aviary/gateway";
import { CliInputError } from "../../errors.ts";
import type { GatewayKeysOptions } from "./gatewayKeys.command.ts";

const positiveInteger = (value: string | undefined, name: string): number | null => {
  if (value === undefined) return null;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new CliInputError(`--${name} must be a positive integer, got "${value}".`);
  return parsed;
};

/** `aviary gateway keys create|list|revoke`: API keys in the gateway's store (only hashes are kept). */
export async function gatewayKeys(options: GatewayKeysOptions): Promise<void> {
  const { action, nameOrKey: argument } = options;
  const config = loadGatewayConfig(options.config);
  const store = await createGatewayStore(gatewayStoreOptions(config.store));
  try {
    await store.migrate();
    if (action === "create") {
      if (!argument) throw new CliInputError("Name the key: `aviary gateway keys create <name>`.");
      if (options.budget !== undefined && !/^\d+$/.test(options.budget)) {
        throw new CliInputError(`--budget must be token wei as a decimal integer, got "${options.budget}".`);
      }
      const created = await store.createKey({
        name: argument,
        budgetWei: options.budget === undefined ? null : BigInt(options.budget),
        requestsPerMinute: positiveInteger(options.rpm, "rpm"),
        tokensPerMinute: positiveInteger(options.tpm, "tpm"),
      });
      if (options.json)
        console.log(
          JSON.stringify({ key: created.key, id: created.record.id, prefix: created.record.prefix }),
        );
      else
        console.log(
          `created key "${argument}" (${created.record.prefix}…); it is shown only once:\n\n  ${created.key}\n`,
        );
    } else if (action === "list") {
      const keys = await store.listKeys();
      if (options.json) {
        console.log(
          JSON.stringify(keys, (_, value) => (typeof value === "bigint" ? value.toString() : value)),
        );
        return;
      }
      for (const key of keys) {
        console.log(
          `${key.prefix}…  ${key.name.padEnd(20)} ${key.revokedAt ? "revoked" : "active "}  spent ${key.spentWei}${key.budgetWei === null ? "" : ` of ${key.budgetWei}`} wei  rpm ${key.requestsPerMinute ?? "∞"}  tpm ${key.tokensPerMinute ?? "∞"}`,
        );
      }
      if (keys.length === 0) console.log("no keys yet: `aviary gateway keys create <name>`");
    } else if (action === "revoke") {
      if (!argument) throw new CliInputError("Name the key to revoke by id or prefix.");
      const revoked = await store.revokeKey(argument);
      if (!revoked) throw new CliInputError(`No key with id or prefix "${argument}".`);
      console.log(`revoked ${revoked.prefix}… (${revoked.name})`);
    } else {
      throw new CliInputError(`Unknown action "${action}": use create, list or revoke.`);
    }
  } finally {
    await store.close();
  }
}
