import { Command, CommanderError, InvalidArgumentError } from "commander";

// Commands are imported when run: loading every package up front would slow every invocation.
const load = {
  trieRoot: async () => (await import("./commands/protocol/trieRoot.ts")).trieRoot(),
  trieProve: async () => (await import("./commands/protocol/trieProve.ts")).trieProve(),
  devnetUp: async (options: Parameters<typeof import("./commands/devnet/devnetUp.ts").devnetUp>[0]) =>
    (await import("./commands/devnet/devnetUp.ts")).devnetUp(options),
  devnetStatus: async (options: { home?: string; json: boolean }) =>
    (await import("./commands/devnet/devnetStatus.ts")).devnetStatus(options),
  supplierStart: async (options: { config: string }) =>
    (await import("./commands/supplier/supplierStart.ts")).supplierStart(options),
  supplierStake: async (options: { config: string; amount: string; endpoint?: string }) =>
    (await import("./commands/supplier/supplierStake.ts")).supplierStake(options),
  supplierStatus: async (options: { config: string; json: boolean }) =>
    (await import("./commands/supplier/supplierStatus.ts")).supplierStatus(options),
  modelTestModel: async (
    options: Parameters<typeof import("./commands/model/modelTestModel.ts").modelTestModel>[0],
  ) => (await import("./commands/model/modelTestModel.ts")).modelTestModel(options),
  modelPublish: async (
    options: Parameters<typeof import("./commands/model/modelPublish.ts").modelPublish>[0],
  ) => (await import("./commands/model/modelPublish.ts")).modelPublish(options),
  gatewayStart: async (options: { config: string }) =>
    (await import("./commands/gateway/gatewayStart.ts")).gatewayStart(options),
  gatewayKeys: async (
    action: string,
    argument: string | undefined,
    options: Parameters<typeof import("./commands/gateway/gatewayKeys.ts").gatewayKeys>[2],
  ) => (await import("./commands/gateway/gatewayKeys.ts")).gatewayKeys(action, argument, options),
  devnetDown: async (options: { home?: string; reset: boolean }) =>
    (await import("./commands/devnet/devnetDown.ts")).devnetDown(options),
};

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new InvalidArgumentError("must be a positive number of seconds");
  return parsed;
}

const program = new Command("aviary")
  .description("Aviary: a permissionless network for open-model inference")
  .version("0.1.0")
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

const protocol = program
  .command("protocol")
  .description("Conformance commands: the protocol library's answers, for testing other implementations");
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
  .description("Closest proof for a target path in the trie of the leaves on stdin")
  .addHelpText(
    "after",
    `
Input (stdin):  {"leaves":[…as for trie-root…],"target":"0x<32 bytes>"}
Output:         {"key","valueHash","weight","sideNodes":[{"hash","sum","count"}, …]}  (side nodes root to leaf)

Example:
  echo '{"leaves":[{"key":"0x${"11".repeat(32)}","valueHash":"0x${"22".repeat(32)}","weight":"5"}],"target":"0x${"ff".repeat(32)}"}' | npx aviary protocol trie-prove`,
  )
  .action(load.trieProve);

const devnet = program
  .command("devnet")
  .description("The local network: anvil with the Aviary contracts deployed");
devnet
  .command("up")
  .description(
    "Start anvil, deploy the contracts (or resume the saved chain), fund the dev accounts, run until Ctrl-C",
  )
  .option("--home <dir>", "state folder (default: $AVIARY_HOME or ./.aviary)")
  .option("--block-time <seconds>", "seconds per block", positiveNumber, 1)
  .option("--fresh", "discard the saved chain and deploy anew", false)
  .option("--no-persist", "do not save chain state between runs")
  .addHelpText("after", "\nExample:\n  npx aviary devnet up --block-time 1")
  .action((options: { home?: string; blockTime: number; fresh: boolean; persist: boolean }) =>
    load.devnetUp(options),
  );
devnet
  .command("status")
  .description("Show the devnet recorded in the state folder and whether it answers")
  .option("--home <dir>", "state folder (default: $AVIARY_HOME or ./.aviary)")
  .option("--json", "print devnet.json plus {running, blockNumber}", false)
  .addHelpText("after", "\nExample:\n  npx aviary devnet status --json")
  .action((options: { home?: string; json: boolean }) => load.devnetStatus(options));
devnet
  .command("down")
  .description("Stop a running `devnet up` (state is kept unless --reset)")
  .option("--home <dir>", "state folder (default: $AVIARY_HOME or ./.aviary)")
  .option("--reset", "also delete the saved chain and devnet.json", false)
  .addHelpText("after", "\nExample:\n  npx aviary devnet down --reset")
  .action((options: { home?: string; reset: boolean }) => load.devnetDown(options));

const model = program
  .command("model")
  .description("Models: content-addressed weights and the sources they pay");
model
  .command("test-model")
  .description(
    "Write the generated TEST model (seeded random weights, meaningless output) and print its sha256",
  )
  .option("-o, --out <dir>", "folder for the GGUF file", ".aviary/models")
  .option("--preset <name>", "tiny or small", "tiny")
  .option("--seed <n>", "weights seed", "42")
  .option("--type <type>", "f32, f16 or q8_0", "f32")
  .option("--json", "print {path, sha256, bytes}", false)
  .addHelpText("after", "\nExample:\n  npx aviary model test-model --out .aviary/models --preset tiny")
  .action((options) => load.modelTestModel(options));
model
  .command("publish")
  .description(
    "Register a model: computes the weights file's sha256 and registers it (AVIARY_KEY pays the fee)",
  )
  .requiredOption("-f, --file <path>", "the weights file (e.g. a GGUF)")
  .requiredOption("-n, --name <name>", "the model's name; modelId = keccak256(name)")
  .option("--uri <uri>", "where to get the weights (default file://<path>)")
  .option("--kind <kind>", "chat, completion, embedding or image", "chat")
  .option("--share-bps <bps>", "the source's share of every payment, in basis points", "1000")
  .option("--source <address>", "payee (default: the key's address)")
  .option("--home <dir>", "devnet state folder (default: $AVIARY_HOME or ./.aviary)")
  .addHelpText(
    "after",
    "\nExample:\n  AVIARY_KEY=0x… npx aviary model publish --file model.gguf --name my-model-q4 --share-bps 1000",
  )
  .action((options) => load.modelPublish(options));

const gateway = program
  .command("gateway")
  .description("Run and manage a gateway: the OpenAI-compatible front door to the network");
gateway
  .command("start")
  .description("Serve /v1/chat/completions, /v1/completions, /v1/embeddings and /v1/models")
  .requiredOption("-c, --config <file>", "gateway configuration (JSON; see docs/gateway.md)")
  .addHelpText("after", "\nExample:\n  AVIARY_GATEWAY_KEY=0x… npx aviary gateway start --config gateway.json")
  .action((options: { config: string }) => load.gatewayStart(options));
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
    "\nExamples:\n  npx aviary gateway keys create my-app --config gateway.json --rpm 600\n  npx aviary gateway keys revoke avy_AbCd --config gateway.json",
  )
  .action((action: string, argument: string | undefined, options) =>
    load.gatewayKeys(action, argument, options),
  );

const supplier = program
  .command("supplier")
  .description("Run and manage a supplier node (serves relays beside a model runtime)");
supplier
  .command("start")
  .description("Start the supplier node: serve relays, record them, claim and prove each session")
  .requiredOption("-c, --config <file>", "supplier configuration (JSON; see docs/supplier.md)")
  .addHelpText(
    "after",
    "\nExample:\n  AVIARY_OPERATOR_KEY=0x… npx aviary supplier start --config supplier.json",
  )
  .action((options: { config: string }) => load.supplierStart(options));
supplier
  .command("stake")
  .description(
    "Stake (registering the operator and endpoint) and offer every model of the config at its prices",
  )
  .requiredOption("-c, --config <file>", "supplier configuration (JSON)")
  .requiredOption("-a, --amount <tokens>", "tokens to stake, e.g. 2000")
  .option("--endpoint <url>", "public endpoint to register (default: the config's server.publicUrl)")
  .addHelpText(
    "after",
    "\nExample:\n  AVIARY_OWNER_KEY=0x… npx aviary supplier stake --config supplier.json --amount 2000",
  )
  .action((options: { config: string; amount: string; endpoint?: string }) => load.supplierStake(options));
supplier
  .command("status")
  .description("Stake and offers on-chain, and whether the node answers")
  .requiredOption("-c, --config <file>", "supplier configuration (JSON)")
  .option("--json", "print JSON", false)
  .addHelpText("after", "\nExample:\n  npx aviary supplier status --config supplier.json")
  .action((options: { config: string; json: boolean }) => load.supplierStatus(options));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed its message (or the help/version text).
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof Error && "shortMessage" in error) {
    // An Aviary BaseError: its message already carries hints and details.
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = error.name === "CliInputError" ? 2 : 1;
  } else {
    process.stderr.write(
      `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
