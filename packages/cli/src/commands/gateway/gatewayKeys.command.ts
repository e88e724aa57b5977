import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { configOption, configOptionSchema, example, jsonOption, jsonOptionSchema } from "../options.ts";

/** What `aviary gateway keys <action> [name-or-key]` and its flags parse to (checked further by `gatewayKeys`). */
export const gatewayKeysOptionsSchema = configOptionSchema.extend({
  /** The `<action>` argument: create, list or revoke. */
  action: z.string(),
  /** The `[name-or-key]` argument: the new key's name, or the key to revoke. */
  nameOrKey: z.string().optional(),
  budget: z.string().optional(),
  rpm: z.string().optional(),
  tpm: z.string().optional(),
  ...jsonOptionSchema.shape,
});
export type GatewayKeysOptions = z.infer<typeof gatewayKeysOptionsSchema>;

/**
 * `aviary gateway keys create | list | revoke`: the gateway's API keys.
 *
 * @example
 * gateway.addCommand(gatewayKeysCommand());
 */
export function gatewayKeysCommand(): Command {
  return new Command("keys")
    .description("API keys: create <name> | list | revoke <id-or-prefix> (only hashes are stored)")
    .argument("<action>", "create, list or revoke")
    .argument("[name-or-key]", "the new key's name, or the key to revoke")
    .addOption(configOption("gateway configuration (JSON)"))
    .option("--budget <wei>", "lifetime spend cap in token wei")
    .option("--rpm <n>", "requests per minute")
    .option("--tpm <n>", "tokens per minute")
    .addOption(jsonOption())
    .addHelpText(
      "after",
      example(
        "npx aviary gateway keys create my-app --config gateway.json --rpm 600",
        "npx aviary gateway keys revoke avy_AbCd --config gateway.json",
      ),
    )
    .action(lazyAction(gatewayKeysOptionsSchema, async () => (await import("./gatewayKeys.ts")).gatewayKeys));
}
