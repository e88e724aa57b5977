import { Command } from "commander";
import { z } from "zod";
import { lazyAction } from "../lazyAction.ts";
import { example } from "../options.ts";
import { existingFile, httpUrl, positiveInteger } from "../parsers.ts";

/** What `aviary deploy`'s flags parse to. */
export const deployOptionsSchema = z.object({
  rpcUrl: z.string(),
  /** The parameters file (JSON, see docs/deployment.md); default: the devnet parameters, treasury = deployer. */
  params: z.string().optional(),
  /** An existing ERC-20 to stake and pay in. */
  token: z.string().optional(),
  /** Deploy the test token (mintable by the deployer) instead. */
  testToken: z.boolean().optional(),
  /** @default 1 */
  confirmations: z.number().optional(),
  /** @default deployment.json */
  out: z.string().optional(),
  keystore: z.string().optional(),
  passwordEnv: z.string().optional(),
});
export type DeployOptions = z.infer<typeof deployOptionsSchema>;

/**
 * `aviary deploy`: the Aviary contracts on any EVM JSON-RPC endpoint.
 *
 * @example
 * program.addCommand(deployCommand());
 */
export function deployCommand(): Command {
  return new Command("deploy")
    .description("Deploy the Aviary contracts to any EVM JSON-RPC endpoint and write a deployment file")
    .requiredOption("--rpc-url <url>", "the chain's JSON-RPC URL", httpUrl)
    .option(
      "--params <file>",
      "parameters file (JSON; see docs/deployment.md); default: devnet parameters",
      existingFile,
    )
    .option("--token <address>", "an existing ERC-20 to stake and pay in")
    .option("--test-token", "deploy the test token (the deployer can mint it) instead")
    .option("--confirmations <n>", "blocks to wait on top of each transaction", positiveInteger, 1)
    .option("--out <file>", "where to write the deployment file", "deployment.json")
    .option("--keystore <file>", "deployer keystore (v3 JSON), instead of AVIARY_DEPLOYER_KEY", existingFile)
    .option(
      "--password-env <name>",
      "environment variable holding the keystore password",
      "AVIARY_KEYSTORE_PASSWORD",
    )
    .addHelpText(
      "after",
      `
The deployer key comes from AVIARY_DEPLOYER_KEY, or from --keystore with its password in an environment
variable; never from the command line. Progress goes to stderr, the deployment file's JSON to stdout.
${example(
  "AVIARY_DEPLOYER_KEY=0x… npx aviary deploy --rpc-url http://127.0.0.1:8545 --test-token --params params.json",
  "npx aviary model list --deployment deployment.json --rpc-url https://rpc.example.org",
)}`,
    )
    .action(lazyAction(deployOptionsSchema, async () => (await import("./deploy.ts")).deploy));
}
