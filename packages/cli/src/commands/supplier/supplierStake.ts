import { aviaryChain, aviaryRegistryAbi, aviaryTokenAbi } from "@aviary/protocol";
import { loadSupplierConfig } from "@aviary/supplier";
import { createPublicClient, createWalletClient, type Hex, http, keccak256, parseUnits, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CliInputError } from "../../errors.ts";

/**
 * `aviary supplier stake`: stakes (first time: registers with the operator and endpoint), then sets the
 * offer of every model in the configuration (effective next session). Needs the owner key.
 */
export async function supplierStake(options: {
  config: string;
  amount: string;
  endpoint?: string;
}): Promise<void> {
  const config = loadSupplierConfig(options.config);
  if (!config.ownerKey) {
    throw new CliInputError("Staking needs the supplier's owner key.", [
      "Set AVIARY_OWNER_KEY or ownerKey in the config file.",
    ]);
  }
  if (!/^\d+(\.\d+)?$/.test(options.amount))
    throw new CliInputError(`--amount must be a number of tokens, got "${options.amount}".`);
  const amount = parseUnits(options.amount, 18);
  const chain = aviaryChain({ rpcUrl: config.chain.rpcUrl, chainId: config.chain.chainId });
  const transport = http(config.chain.rpcUrl);
  const owner = privateKeyToAccount(config.ownerKey as Hex);
  if (owner.address.toLowerCase() !== config.supplier.toLowerCase()) {
    throw new CliInputError(
      `The owner key is for ${owner.address}, but the config's supplier is ${config.supplier}.`,
    );
  }
  const publicClient = createPublicClient({ chain, transport });
  const wallet = createWalletClient({ chain, transport, account: owner });
  const operator = privateKeyToAccount(config.operatorKey as Hex).address;
  const registry = config.chain.registry as Hex;
  const endpoint =
    options.endpoint ?? config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}`;
  const step = async (label: string, hash: Promise<Hex>) => {
    process.stdout.write(`${label} … `);
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
    if (receipt.status !== "success") throw new Error(`${label} reverted (${receipt.transactionHash})`);
    console.log(`done (block ${receipt.blockNumber})`);
  };
  const token = await publicClient.readContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "token",
  });
  const allowance = await publicClient.readContract({
    address: token,
    abi: aviaryTokenAbi,
    functionName: "allowance",
    args: [owner.address, registry],
  });
  if (allowance < amount) {
    await step(
      "approving the registry",
      wallet.writeContract({
        address: token,
        abi: aviaryTokenAbi,
        functionName: "approve",
        args: [registry, amount],
      }),
    );
  }
  await step(
    `staking ${options.amount} tokens (operator ${operator}, endpoint ${endpoint})`,
    wallet.writeContract({
      address: registry,
      abi: aviaryRegistryAbi,
      functionName: "stakeSupplier",
      args: [amount, operator, endpoint],
    }),
  );
  for (const model of config.models) {
    await step(
      `offering ${model.name} at ${model.inputPrice}/${model.outputPrice} wei per input/output token`,
      wallet.writeContract({
        address: registry,
        abi: aviaryRegistryAbi,
        functionName: "setOffer",
        args: [keccak256(toHex(model.name)), model.inputPrice, model.outputPrice],
      }),
    );
  }
  console.log("staked; offers take effect at the next session");
}
