import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { addChainOptions, chainOptionsSchema, example, jsonOption, jsonOptionSchema } from "../options.ts";

/** What `aviary claims`' flags parse to (checked further by `claims`). */
export const claimsOptionsSchema = chainOptionsSchema.extend({
  supplier: z.string().optional(),
  application: z.string().optional(),
  session: z.string().optional(),
  ...jsonOptionSchema.shape,
});
export type ClaimsOptions = z.infer<typeof claimsOptionsSchema>;

/**
 * `aviary claims`: the settlement's claims and their status.
 *
 * @example
 * program.addCommand(claimsCommand());
 */
export function claimsCommand(): Command {
  return addChainOptions(
    new Command("claims")
      .description(
        "Claims and their status: waiting, proof required, proven, settled (with the amounts paid) or proof missing",
      )
      .option("--supplier <address>", "only this supplier's claims")
      .option("--application <address>", "only claims against this application")
      .option("--session <n>", "only this session's claims")
      .addOption(jsonOption()),
  )
    .addHelpText(
      "after",
      example(
        "npx aviary claims",
        "npx aviary claims --supplier 0x90F79bf6EB2c4f870365E785982E1f101E93b906 --json",
      ),
    )
    .action(lazyAction(claimsOptionsSchema, async () => (await import("./claims.ts")).claims));
}
