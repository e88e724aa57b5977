import { resolve } from "node:path";
import { Command, CommanderError } from "commander";
import { appCommand } from "./commands/app/app.command.ts";
import { balancesCommand } from "./commands/balances/balances.command.ts";
import { claimsCommand } from "./commands/claims/claims.command.ts";
import { deployCommand } from "./commands/deploy/deploy.command.ts";
import { devnetCommand } from "./commands/devnet/devnet.command.ts";
import { explorerCommand } from "./commands/explorer/explorer.command.ts";
import { gatewayCommand } from "./commands/gateway/gateway.command.ts";
import { modelCommand } from "./commands/model/model.command.ts";
import { example } from "./commands/options.ts";
import { protocolCommand } from "./commands/protocol/protocol.command.ts";
import { supplierCommand } from "./commands/supplier/supplier.command.ts";
import { exitCodeOf } from "./errors.ts";
import { exitOnClosedPipe } from "./io/exitOnClosedPipe.ts";

// `aviary … | head -1`: a closed output pipe ends the command quietly (status 0), not with an EPIPE trace.
exitOnClosedPipe({
  serving: ["devnet up", "supplier start", "gateway start", "explorer start"].includes(
    process.argv.slice(2, 4).join(" "),
  ),
});

// Each command defines its flags and loads its code only when run (see commands/lazyAction.ts).
const program = new Command("aviary")
  .description("Aviary: a permissionless network for open-model inference")
  .version("0.1.0")
  .showHelpAfterError("(run with --help for usage)")
  .addHelpText("after", example("npm start   # or: npx aviary devnet up", "npx aviary model list"))
  .exitOverride()
  // A node's `--deployment FILE` reaches its config loader as AVIARY_DEPLOYMENT (resolved against the cwd).
  .hook("preAction", (_, actionCommand) => {
    const { deployment, config } = actionCommand.opts<{ deployment?: string; config?: string }>();
    if (deployment !== undefined && config !== undefined) process.env.AVIARY_DEPLOYMENT = resolve(deployment);
  });
for (const command of [
  deployCommand(),
  devnetCommand(),
  modelCommand(),
  supplierCommand(),
  appCommand(),
  gatewayCommand(),
  explorerCommand(),
  claimsCommand(),
  balancesCommand(),
  protocolCommand(),
])
  program.addCommand(command);
inheritSettings(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed its message (or the help/version text).
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof Error && "shortMessage" in error) {
    // An Aviary (or viem) BaseError: its message already carries hints and details.
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = exitCodeOf(error);
  } else {
    process.stderr.write(
      `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = exitCodeOf(error);
  }
}

/**
 * Gives every subcommand the program's settings (errors thrown, not exited on; the help hint after an error), as
 * `.command()` would: commands built on their own and added with `.addCommand()` do not inherit them.
 */
function inheritSettings(command: Command): void {
  for (const subcommand of command.commands) {
    subcommand.copyInheritedSettings(command);
    inheritSettings(subcommand);
  }
}
