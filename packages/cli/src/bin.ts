import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { OpenAiBackendCapabilities } from "@aviary/supplier";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { exitCodeOf } from "./errors.ts";
import { exitOnClosedPipe } from "./io/exitOnClosedPipe.ts";

// `aviary … | head -1`: a closed output pipe ends the command quietly (status 0), not with an EPIPE trace.
exitOnClosedPipe({
  serving: ["devnet up", "supplier start", "gateway start", "explorer start"].includes(
    process.argv.slice(2, 4).join(" "),
  ),
});

// Commands are imported when run: loading every package up front would slow every invocation.
const load = {
  trieRoot: async () => (await import("./commands/protocol/trieRoot.ts")).trieRoot(),
  trieProve: async () => (await import("./commands/protocol/trieProve.ts")).trieProve(),
  devnetUp: async (options: Parameters<typeof import("./commands/devnet/devnetUp.ts").devnetUp>[0]) =>
    (await import("./commands/devnet/devnetUp.ts")).devnetUp(options),
  devnetStatus: async (options: { home?: string; json: boolean }) =>
    (await import("./commands/devnet/devnetStatus.ts")).devnetStatus(options),
  devnetDown: async (options: { home?: string; reset: boolean }) =>
    (await import("./commands/devnet/devnetDown.ts")).devnetDown(options),
  modelTestModel: async (
    options: Parameters<typeof import("./commands/model/modelTestModel.ts").modelTestModel>[0],
  ) => (await import("./commands/model/modelTestModel.ts")).modelTestModel(options),
  modelPublish: async (options: import("./commands/model/modelPublish.ts").ModelPublishOptions) =>
    (await import("./commands/model/modelPublish.ts")).modelPublish(options),
  modelList: async (options: import("./commands/model/modelList.ts").ModelListOptions) =>
    (await import("./commands/model/modelList.ts")).modelList(options),
  modelPull: async (nameOrId: string, options: import("./commands/model/modelPull.ts").ModelPullOptions) =>
    (await import("./commands/model/modelPull.ts")).modelPull(nameOrId, options),
  supplierStart: async (options: { config: string }) =>
    (await import("./commands/supplier/supplierStart.ts")).supplierStart(options),
  supplierStake: async (options: { config: string; amount: string; endpoint?: string }) =>
    (await import("./commands/supplier/supplierStake.ts")).supplierStake(options),
  supplierOffer: async (options: import("./commands/supplier/supplierOffer.ts").SupplierOfferOptions) =>
    (await import("./commands/supplier/supplierOffer.ts")).supplierOffer(options),
  supplierStatus: async (options: { config: string; json: boolean }) =>
    (await import("./commands/supplier/supplierStatus.ts")).supplierStatus(options),
  appStake: async (options: import("./commands/app/appStake.ts").AppStakeOptions) =>
    (await import("./commands/app/appStake.ts")).appStake(options),
  appDelegate: async (options: import("./commands/app/appDelegate.ts").AppDelegateOptions) =>
    (await import("./commands/app/appDelegate.ts")).appDelegate(options),
  appBalance: async (options: import("./commands/app/appBalance.ts").AppBalanceOptions) =>
    (await import("./commands/app/appBalance.ts")).appBalance(options),
  explorerStart: async (options: { config: string }) =>
    (await import("./commands/explorer/explorerStart.ts")).explorerStart(options),
  gatewayStart: async (options: { config: string }) =>
    (await import("./commands/gateway/gatewayStart.ts")).gatewayStart(options),
  gatewayStake: async (options: import("./commands/gateway/gatewayStake.ts").GatewayStakeOptions) =>
    (await import("./commands/gateway/gatewayStake.ts")).gatewayStake(options),
  gatewayUnstake: async (options: import("./commands/gateway/gatewayUnstake.ts").GatewayUnstakeOptions) =>
    (await import("./commands/gateway/gatewayUnstake.ts")).gatewayUnstake(options),
  gatewayStatus: async (options: import("./commands/gateway/gatewayStatus.ts").GatewayStatusOptions) =>
    (await import("./commands/gateway/gatewayStatus.ts")).gatewayStatus(options),
  gatewayKeys: async (
    action: string,
    argument: string | undefined,
    options: Parameters<typeof import("./commands/gateway/gatewayKeys.ts").gatewayKeys>[2],
  ) => (await import("./commands/gateway/gatewayKeys.ts")).gatewayKeys(action, argument, options),
  claims: async (options: import("./commands/claims/claims.ts").ClaimsOptions) =>
    (await import("./commands/claims/claims.ts")).claims(options),
  deploy: async (options: import("./commands/deploy/deploy.ts").DeployOptions) =>
    (await import("./commands/deploy/deploy.ts")).deploy(options),
  balances: async (options: import("./commands/balances/balances.ts").BalancesOptions) =>
    (await import("./commands/balances/balances.ts")).balances(options),
};

// ───────────── argument parsers (commander reports their errors naming the option; exit code 2) ─────────────
function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new InvalidArgumentError("must be a positive number of seconds");
  return parsed;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < 1) throw new InvalidArgumentError("must be a whole number ≥ 1");
  return parsed;
}

function port(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed > 65_535) throw new InvalidArgumentError("must be a port in 0–65535");
  return parsed;
}

function existingFile(value: string): string {
  try {
    if (statSync(value).isFile()) return value;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError(`no such file: ${value}`);
}

function httpUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:"))
    throw new InvalidArgumentError("must be an http(s) URL such as http://127.0.0.1:8080/v1");
  return value;
}

/** `--backend-capabilities`' names and the supplier config keys they set. */
const backendCapabilityNames = {
  tools: "tools",
  json: "jsonSchema",
  logprobs: "logprobs",
  images: "images",
} as const;

function backendCapabilities(value: string): OpenAiBackendCapabilities {
  const declared: OpenAiBackendCapabilities = {};
  for (const name of value.split(",").map((entry) => entry.trim())) {
    const key = backendCapabilityNames[name as keyof typeof backendCapabilityNames];
    if (!key) {
      throw new InvalidArgumentError(
        `unknown capability "${name}": list some of ${Object.keys(backendCapabilityNames).join(", ")}, comma-separated`,
      );
    }
    declared[key] = true;
  }
  return declared;
}

const homeHelp =
  "devnet state folder with devnet.json (default: $AVIARY_HOME, else ./.aviary or the running devnet it records)";

/** The options that say which chain a command talks to: the devnet in --home, or an explicit deployment. */
function addChainOptions(command: Command): Command {
  return command
    .option("--home <dir>", homeHelp)
    .option("--rpc-url <url>", "another chain's JSON-RPC URL (with --registry and --settlement)")
    .option("--registry <address>", "the registry contract (with --rpc-url)")
    .option("--settlement <address>", "the settlement contract (with --rpc-url)")
    .option("--deployment <file>", "a deployment file from `aviary deploy` (with --rpc-url for another RPC)");
}

const example = (...lines: string[]) =>
  `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((line) => `  ${line}`).join("\n")}`;

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

// ───────────── deploy ─────────────
program
  .command("deploy")
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
  .action(load.deploy);

// ───────────── devnet ─────────────
const devnet = program
  .command("devnet")
  .description("The local network: chain, contracts, suppliers, an application, a gateway and the explorer")
  .addHelpText("after", example("npx aviary devnet up", "npx aviary devnet status"));
devnet
  .command("up")
  .description(
    "Start the whole local network: anvil with the contracts (or the saved chain), the test model and the test " +
      "image model, three staked suppliers, a staked application delegated to a gateway, the gateway and the " +
      "explorer; runs until Ctrl-C",
  )
  .option("--home <dir>", "state folder (default: $AVIARY_HOME or ./.aviary)")
  .option("--block-time <seconds>", "seconds per block", positiveNumber, 1)
  .option("--fresh", "discard the saved chain and deploy anew", false)
  .option("--no-persist", "do not save chain state between runs")
  .addOption(
    new Option("--model <path>", "a GGUF file to serve instead of the generated test model")
      .argParser(existingFile)
      .conflicts("backend"),
  )
  .addOption(
    new Option(
      "--backend <url>",
      "an OpenAI-compatible server to serve instead of the embedded runtime (e.g. http://127.0.0.1:8080/v1)",
    ).argParser(httpUrl),
  )
  .option("--backend-model <name>", "the model name the --backend server knows", "default")
  .addOption(
    new Option(
      "--backend-capabilities <list>",
      "what the --backend server supports beyond text, declared to gateways (comma-separated: tools, json, logprobs, images); default none, so requests using them are refused",
    ).argParser(backendCapabilities),
  )
  .option("--no-explorer", "do not start the explorer")
  .option("--gateway-port <n>", "the gateway's port", port, 8080)
  .option("--explorer-port <n>", "the explorer's port", port, 8090)
  .option("--supplier-port <n>", "the first of the three suppliers' consecutive ports (default 8081)", port)
  .addHelpText(
    "after",
    example(
      "npx aviary devnet up",
      "npx aviary devnet up --model ~/models/qwen2.5-0.5b-instruct-q4_k_m.gguf",
      "npx aviary devnet up --backend http://127.0.0.1:8080/v1 --backend-model qwen2.5 --backend-capabilities tools,json",
    ),
  )
  .action(
    (options: {
      home?: string;
      blockTime: number;
      fresh: boolean;
      persist: boolean;
      model?: string;
      backend?: string;
      backendModel?: string;
      backendCapabilities?: ReturnType<typeof backendCapabilities>;
      explorer: boolean;
      gatewayPort: number;
      explorerPort: number;
      supplierPort?: number;
    }) => load.devnetUp(options),
  );
devnet
  .command("status")
  .description("Show the devnet recorded in the state folder and whether it answers")
  .option("--home <dir>", "state folder (default: $AVIARY_HOME or ./.aviary)")
  .option("--json", "print devnet.json plus {running, blockNumber}", false)
  .addHelpText("after", example("npx aviary devnet status --json"))
  .action((options: { home?: string; json: boolean }) => load.devnetStatus(options));
devnet
  .command("down")
  .description("Stop a running `devnet up` (state is kept unless --reset)")
  .option("--home <dir>", "state folder (default: $AVIARY_HOME or ./.aviary)")
  .option("--reset", "also delete the saved chain and devnet.json", false)
  .addHelpText("after", example("npx aviary devnet down --reset"))
  .action((options: { home?: string; reset: boolean }) => load.devnetDown(options));

// ───────────── model ─────────────
const model = program
  .command("model")
  .description("Models: content-addressed weights and the sources they pay")
  .addHelpText("after", example("npx aviary model list", "npx aviary model pull aviary-test-model"));
model
  .command("test-model")
  .description(
    "Write the generated TEST model (seeded random weights, meaningless output) and print its sha256",
  )
  .option("-o, --out <dir>", "folder for the GGUF file (default: <home>/models)")
  .option("--home <dir>", homeHelp)
  .option("--preset <name>", "tiny or small", "tiny")
  .option("--seed <n>", "weights seed", "42")
  .option("--type <type>", "f32, f16 or q8_0", "f32")
  .option("--json", "print {path, sha256, bytes}", false)
  .addHelpText("after", example("npx aviary model test-model --out .aviary/models --preset tiny"))
  .action((options) => load.modelTestModel(options));
addChainOptions(
  model
    .command("publish")
    .description(
      "Register a model: computes the weights file's sha256 and registers it (the key in AVIARY_KEY pays the fee)",
    )
    .requiredOption("-f, --file <path>", "the weights file (e.g. a GGUF)")
    .requiredOption("-n, --name <name>", "the model's name; modelId = keccak256(name)")
    .option("--uri <uri>", "where to get the weights (default file://<path>)")
    .option("--kind <kind>", "chat, completion, embedding or image", "chat")
    .option("--share-bps <bps>", "the source's share of every payment, in basis points", "1000")
    .option("--source <address>", "payee (default: the key's address)")
    .option("--key-env <name>", "environment variable holding the source's private key", "AVIARY_KEY"),
)
  .addHelpText(
    "after",
    example(
      "AVIARY_KEY=0x… npx aviary model publish --file model.gguf --name my-model-q4 --share-bps 1000 --uri https://example.com/my-model-q4.gguf",
    ),
  )
  .action((options) => load.modelPublish(options));
addChainOptions(
  model
    .command("list")
    .description(
      "Registered models: name, id, digest, uri, kind, source and share, and how many suppliers offer each",
    )
    .option("--json", "print JSON", false),
)
  .addHelpText("after", example("npx aviary model list", "npx aviary model list --json --home .aviary"))
  .action((options) => load.modelList(options));
addChainOptions(
  model
    .command("pull")
    .description(
      "Download a registered model's weights from its uri (file://, http(s)://) and verify them against the registered sha256",
    )
    .argument("<name-or-id>", "the model's name, or its id (0x + 64 hex digits)")
    .option("-o, --out <dir>", "destination folder (default: <home>/models)"),
)
  .addHelpText("after", example("npx aviary model pull aviary-test-model --out ./models"))
  .action((nameOrId: string, options) => load.modelPull(nameOrId, options));

// ───────────── supplier ─────────────
const supplier = program
  .command("supplier")
  .description("Run and manage a supplier node (serves relays beside a model runtime)")
  .addHelpText("after", example("npx aviary supplier status --config supplier.json"));
supplier
  .command("start")
  .description("Start the supplier node: serve relays, record them, claim and prove each session")
  .requiredOption("-c, --config <file>", "supplier configuration (JSON; see docs/supplier.md)")
  .option("--deployment <file>", "a deployment file from `aviary deploy` (instead of the config's chain ids)")
  .addHelpText("after", example("AVIARY_OPERATOR_KEY=0x… npx aviary supplier start --config supplier.json"))
  .action((options: { config: string }) => load.supplierStart(options));
supplier
  .command("stake")
  .description(
    "Stake (registering the operator and endpoint) and offer every model of the config at its prices",
  )
  .requiredOption("-c, --config <file>", "supplier configuration (JSON)")
  .requiredOption("-a, --amount <AVY>", "AVY to stake, e.g. 2000 or 0.5")
  .option("--endpoint <url>", "public endpoint to register (default: the config's server.publicUrl)")
  .addHelpText(
    "after",
    example("AVIARY_OWNER_KEY=0x… npx aviary supplier stake --config supplier.json --amount 2000"),
  )
  .action((options: { config: string; amount: string; endpoint?: string }) => load.supplierStake(options));
supplier
  .command("offer")
  .description(
    "Set the offers of the config's models at its prices (or one with --model, or remove one with --remove); effective next session",
  )
  .requiredOption("-c, --config <file>", "supplier configuration (JSON)")
  .option("--model <name>", "set only this model's offer")
  .option("--input-price <wei>", "token wei per input token (with --model; default: the config's)")
  .option("--output-price <wei>", "token wei per output token (with --model; default: the config's)")
  .option("--remove <name>", "withdraw the offer for this model")
  .addHelpText(
    "after",
    example(
      "AVIARY_OWNER_KEY=0x… npx aviary supplier offer --config supplier.json",
      "AVIARY_OWNER_KEY=0x… npx aviary supplier offer --config supplier.json --model my-model-q4 --input-price 1000000000000 --output-price 3000000000000",
      "AVIARY_OWNER_KEY=0x… npx aviary supplier offer --config supplier.json --remove my-model-q4",
    ),
  )
  .action((options) => load.supplierOffer(options));
supplier
  .command("status")
  .description("Stake and offers on-chain, and whether the node answers")
  .requiredOption("-c, --config <file>", "supplier configuration (JSON)")
  .option("--json", "print JSON", false)
  .addHelpText("after", example("npx aviary supplier status --config supplier.json"))
  .action((options: { config: string; json: boolean }) => load.supplierStatus(options));

// ───────────── app ─────────────
const app = program
  .command("app")
  .description("An application's stake (its spend escrow) and the gateways it delegates to")
  .addHelpText("after", example("AVIARY_APP_KEY=0x… npx aviary app balance"));
const appKeyOption = () =>
  new Option("--key-env <name>", "environment variable holding the application's private key").default(
    "AVIARY_APP_KEY",
  );
addChainOptions(
  app
    .command("stake")
    .description("Add AVY to the application's stake (approves the registry when needed)")
    .requiredOption("-a, --amount <AVY>", "AVY to add, e.g. 1000 or 0.5")
    .addOption(appKeyOption()),
)
  .addHelpText("after", example("AVIARY_APP_KEY=0x… npx aviary app stake --amount 1000"))
  .action((options) => load.appStake(options));
addChainOptions(
  app
    .command("delegate")
    .description("Let a staked gateway sign relays for the application (effective next session)")
    .requiredOption("-g, --gateway <address>", "the gateway's address")
    .option("--undelegate", "remove the delegation instead", false)
    .addOption(appKeyOption()),
)
  .addHelpText(
    "after",
    example(
      "AVIARY_APP_KEY=0x… npx aviary app delegate --gateway 0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    ),
  )
  .action((options) => load.appDelegate(options));
addChainOptions(
  app
    .command("balance")
    .description("Tokens, stake, unbonding, release session, this session's budget and delegations")
    .option("--address <address>", "the application (default: the key's address)")
    .option("--json", "print JSON", false)
    .addOption(appKeyOption()),
)
  .addHelpText(
    "after",
    example(
      "AVIARY_APP_KEY=0x… npx aviary app balance",
      "npx aviary app balance --address 0x976EA74026E726554dB657fA54763abd0C3a0aa9 --json",
    ),
  )
  .action((options) => load.appBalance(options));

// ───────────── gateway ─────────────
const gateway = program
  .command("gateway")
  .description("Run and manage a gateway: the OpenAI-compatible front door to the network")
  .addHelpText("after", example("npx aviary gateway keys list --config gateway.json"));
gateway
  .command("start")
  .description("Serve /v1/chat/completions, /v1/completions, /v1/embeddings and /v1/models")
  .requiredOption("-c, --config <file>", "gateway configuration (JSON; see docs/gateway.md)")
  .option("--deployment <file>", "a deployment file from `aviary deploy` (instead of the config's chain ids)")
  .addHelpText("after", example("AVIARY_GATEWAY_KEY=0x… npx aviary gateway start --config gateway.json"))
  .action((options: { config: string }) => load.gatewayStart(options));
gateway
  .command("stake")
  .description(
    "Stake AVY as the config's gateway (approving the registry when needed) so applications can delegate to it",
  )
  .requiredOption("-c, --config <file>", "gateway configuration (JSON; the key from AVIARY_GATEWAY_KEY)")
  .requiredOption("-a, --amount <AVY>", "AVY to add to the stake, e.g. 100 or 0.5")
  .option(
    "--metadata-url <url>",
    "where the gateway publishes its measurements (default on the first stake: the config's server + /public/v1/suppliers)",
  )
  .addHelpText(
    "after",
    example(
      "AVIARY_GATEWAY_KEY=0x… npx aviary gateway stake --config gateway.json --amount 100",
      "AVIARY_GATEWAY_KEY=0x… npx aviary gateway stake --config gateway.json --amount 100 --metadata-url https://gw.example/public/v1/suppliers",
    ),
  )
  .action((options) => load.gatewayStake(options));
gateway
  .command("unstake")
  .description(
    "Start unbonding the gateway's stake (--amount or --all), or take back what finished unbonding (--withdraw)",
  )
  .requiredOption("-c, --config <file>", "gateway configuration (JSON; the key from AVIARY_GATEWAY_KEY)")
  .option("-a, --amount <AVY>", "AVY to unbond; what stays must be 0 or at least the minimum stake")
  .option("--all", "unbond the whole stake", false)
  .option("--withdraw", "withdraw the unbonded tokens once the release session has begun", false)
  .addHelpText(
    "after",
    example(
      "AVIARY_GATEWAY_KEY=0x… npx aviary gateway unstake --config gateway.json --all",
      "AVIARY_GATEWAY_KEY=0x… npx aviary gateway unstake --config gateway.json --withdraw",
    ),
  )
  .action((options) => load.gatewayUnstake(options));
gateway
  .command("status")
  .description(
    "Stake, unbonding, release session and metadata URL on-chain, the config's applications' delegations, and whether the node answers",
  )
  .requiredOption("-c, --config <file>", "gateway configuration (JSON; the key from AVIARY_GATEWAY_KEY)")
  .option("--json", "print JSON", false)
  .addHelpText("after", example("AVIARY_GATEWAY_KEY=0x… npx aviary gateway status --config gateway.json"))
  .action((options) => load.gatewayStatus(options));
gateway
  .command("keys")
  .description("API keys: create <name> | list | revoke <id-or-prefix> (only hashes are stored)")
  .argument("<action>", "create, list or revoke")
  .argument("[name-or-key]", "the new key's name, or the key to revoke")
  .requiredOption("-c, --config <file>", "gateway configuration (JSON)")
  .option("--budget <wei>", "lifetime spend cap in token wei")
  .option("--rpm <n>", "requests per minute")
  .option("--tpm <n>", "tokens per minute")
  .option("--json", "print JSON", false)
  .addHelpText(
    "after",
    example(
      "npx aviary gateway keys create my-app --config gateway.json --rpm 600",
      "npx aviary gateway keys revoke avy_AbCd --config gateway.json",
    ),
  )
  .action((action: string, argument: string | undefined, options) =>
    load.gatewayKeys(action, argument, options),
  );

// ───────────── explorer ─────────────
program
  .command("explorer")
  .description("The explorer: a web UI over the chain and the gateways' public APIs")
  .addHelpText("after", example("npx aviary explorer start --config .aviary/explorer.json"))
  .command("start")
  .description("Index the chain and serve the explorer until SIGINT/SIGTERM")
  .requiredOption(
    "-c, --config <file>",
    "explorer configuration (JSON: rpcUrl, chainId, contracts, deployBlock, gateways, port)",
  )
  .addHelpText("after", example("npx aviary explorer start --config .aviary/explorer.json"))
  .action((options: { config: string }) => load.explorerStart(options));

// ───────────── claims and balances ─────────────
addChainOptions(
  program
    .command("claims")
    .description(
      "Claims and their status: waiting, proof required, proven, settled (with the amounts paid) or proof missing",
    )
    .option("--supplier <address>", "only this supplier's claims")
    .option("--application <address>", "only claims against this application")
    .option("--session <n>", "only this session's claims")
    .option("--json", "print JSON", false),
)
  .addHelpText(
    "after",
    example(
      "npx aviary claims",
      "npx aviary claims --supplier 0x90F79bf6EB2c4f870365E785982E1f101E93b906 --json",
    ),
  )
  .action((options) => load.claims(options));
program
  .command("balances")
  .description(
    "AVY balance and stakes (supplier, application, gateway) of every devnet account, and the treasury",
  )
  .option("--home <dir>", homeHelp)
  .option("--json", "print JSON", false)
  .addHelpText("after", example("npx aviary balances", "npx aviary balances --json"))
  .action((options) => load.balances(options));

// ───────────── protocol ─────────────
const protocol = program
  .command("protocol")
  .description("Conformance commands: the protocol library's answers, for testing other implementations")
  .addHelpText("after", example("npx aviary protocol trie-root --help"));
protocol
  .command("trie-root")
  .description("Root of the sparse Merkle sum trie of the leaves on stdin")
  .addHelpText(
    "after",
    `
Input (stdin):  {"leaves":[{"key":"0x<32 bytes>","valueHash":"0x<32 bytes>","weight":"<decimal>"}]}
Output:         {"hash":"0x…","sum":"<decimal>","count":<n>}

Example:
  echo '{"leaves":[{"key":"0x${"11".repeat(32)}","valueHash":"0x${"22".repeat(32)}","weight":"5"}]}' | npx aviary protocol trie-root`,
  )
  .action(load.trieRoot);
protocol
  .command("trie-prove")
  .description("Weighted proof: the leaf a draw selects in the trie of the leaves on stdin")
  .addHelpText(
    "after",
    `
Input (stdin):  {"leaves":[…as for trie-root…],"by":"sum"|"count","r":"<decimal, below the root's sum or count>"}
Output:         {"key","valueHash","weight","sideNodes":[{"hash","sum","count"}, …]}  (side nodes root to leaf, Empty included)

Example:
  echo '{"leaves":[{"key":"0x${"11".repeat(32)}","valueHash":"0x${"22".repeat(32)}","weight":"5"}],"by":"sum","r":"3"}' | npx aviary protocol trie-prove`,
  )
  .action(load.trieProve);

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
