// The option groups several commands share, each written once with its help text and the schema of what commander
// makes of it; and the help's "Example:" block.
import { type Command, Option } from "commander";
import { z } from "zod";

/** The one help text of `--home`. */
const homeHelp =
  "devnet state folder with devnet.json (default: $AVIARY_HOME, else ./.aviary or the running devnet it records)";

/**
 * `--home <dir>`: the devnet's state folder.
 *
 * @example
 * new Command("status").addOption(homeOption());
 */
export const homeOption = (): Option => new Option("--home <dir>", homeHelp);

/** What `--home` parses to. */
export const homeOptionSchema = z.object({
  /** State folder holding devnet.json. @default $AVIARY_HOME, else ./.aviary or the running devnet it records */
  home: z.string().optional(),
});

/**
 * Adds the options that say which chain a command talks to: the devnet in `--home`, or an explicit deployment
 * (`--rpc-url` with `--registry` and `--settlement`, or `--deployment`). `resolveChain` reads them.
 *
 * @param command - the command to add them to (after its own options).
 * @example
 * addChainOptions(new Command("list").addOption(jsonOption()));
 */
export function addChainOptions(command: Command): Command {
  return command
    .addOption(homeOption())
    .option("--rpc-url <url>", "another chain's JSON-RPC URL (with --registry and --settlement)")
    .option("--registry <address>", "the registry contract (with --rpc-url)")
    .option("--settlement <address>", "the settlement contract (with --rpc-url)")
    .option("--deployment <file>", "a deployment file from `aviary deploy` (with --rpc-url for another RPC)");
}

/** What {@link addChainOptions}' options parse to (checked further by `resolveChain`). */
export const chainOptionsSchema = homeOptionSchema.extend({
  /** With `registry` and `settlement`: a chain other than the local devnet. */
  rpcUrl: z.string().optional(),
  registry: z.string().optional(),
  settlement: z.string().optional(),
  /** A deployment file from `aviary deploy`: the contracts, chain id and deployment block (RPC: --rpc-url or $AVIARY_RPC_URL). */
  deployment: z.string().optional(),
});

/**
 * `-c, --config <file>` (required): the command's configuration file.
 *
 * @param description - which configuration, e.g. "supplier configuration (JSON)".
 * @example
 * new Command("status").addOption(configOption("supplier configuration (JSON)"));
 */
export const configOption = (description: string): Option =>
  new Option("-c, --config <file>", description).makeOptionMandatory();

/** What {@link configOption} parses to. */
export const configOptionSchema = z.object({ config: z.string() });

/**
 * `--deployment <file>` of a node (`supplier start`, `gateway start`): the chain ids come from the deployment file,
 * which reaches the node's config loader as AVIARY_DEPLOYMENT (see bin.ts' preAction hook).
 *
 * @example
 * new Command("start").addOption(configOption("gateway configuration (JSON)")).addOption(nodeDeploymentOption());
 */
export const nodeDeploymentOption = (): Option =>
  new Option(
    "--deployment <file>",
    "a deployment file from `aviary deploy` (instead of the config's chain ids)",
  );

/** What a node's `start` flags parse to: {@link configOption} and {@link nodeDeploymentOption}. */
export const nodeStartOptionsSchema = configOptionSchema.extend({ deployment: z.string().optional() });

/**
 * `--key-env <name>`: the environment variable that holds a private key (never a key on the command line).
 *
 * @param whose - whose key, e.g. "the application's".
 * @param variable - the default variable, e.g. "AVIARY_APP_KEY".
 * @example
 * new Command("stake").addOption(keyEnvOption("the application's", "AVIARY_APP_KEY"));
 */
export const keyEnvOption = (whose: string, variable: string): Option =>
  new Option("--key-env <name>", `environment variable holding ${whose} private key`).default(variable);

/** What {@link keyEnvOption} parses to. */
export const keyEnvOptionSchema = z.object({ keyEnv: z.string() });

/**
 * `--json`: print JSON instead of text.
 *
 * @param description - what is printed. @default "print JSON"
 * @example
 * new Command("status").addOption(jsonOption("print devnet.json plus {running, blockNumber}"));
 */
export const jsonOption = (description = "print JSON"): Option =>
  new Option("--json", description).default(false);

/** What {@link jsonOption} parses to. */
export const jsonOptionSchema = z.object({ json: z.boolean() });

/**
 * The "Example:" (or "Examples:") block at the end of a command's help.
 *
 * @param lines - one command line each.
 * @example
 * new Command("list").addHelpText("after", example("npx aviary model list"));
 */
export const example = (...lines: string[]): string =>
  `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((line) => `  ${line}`).join("\n")}`;
