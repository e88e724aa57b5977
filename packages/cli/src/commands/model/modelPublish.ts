import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { resolve } from "node:path";
import { readDevnetState, resolveAviaryHome } from "@aviary/devnet";
import { aviaryChain, aviaryRegistryAbi, aviaryTokenAbi } from "@aviary/protocol";
import { createPublicClient, createWalletClient, type Hex, http, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CliInputError } from "../../errors.ts";

const kinds = { chat: 0, completion: 1, embedding: 2, image: 3 } as const;

/**
 * `aviary model publish`: registers a model by content address: the weights file's sha256 is computed here
 * (streamed, with progress), the caller pays the model fee and becomes (or names) the source.
 */
export async function modelPublish(options: {
  file: string;
  name: string;
  uri?: string;
  kind: string;
  shareBps: string;
  source?: string;
  home?: string;
}): Promise<void> {
  const key = process.env.AVIARY_KEY;
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new CliInputError("Publishing needs the source's private key in AVIARY_KEY (0x + 64 hex digits).");
  }
  if (!(options.kind in kinds))
    throw new CliInputError(`--kind must be one of ${Object.keys(kinds).join(", ")}.`);
  const shareBps = Number(options.shareBps);
  if (!Number.isInteger(shareBps) || shareBps < 0 || shareBps > 10_000)
    throw new CliInputError("--share-bps must be an integer in [0, 10000].");
  const devnet = readDevnetState(resolveAviaryHome(options.home));
  if (!devnet)
    throw new CliInputError("No devnet.json found: start the network (`npm start`) or pass --home.");

  const path = resolve(options.file);
  const hash = createHash("sha256");
  let bytes = 0;
  let lastReport = Date.now();
  try {
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      if (Date.now() - lastReport > 1000) {
        process.stdout.write(`hashing ${path}: ${(bytes / 2 ** 20).toFixed(0)} MiB\r`);
        lastReport = Date.now();
      }
    }
  } catch (error) {
    throw new CliInputError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  const digest = `0x${hash.digest("hex")}` as Hex;
  console.log(`sha256 ${digest} (${bytes} bytes)`);

  const chain = aviaryChain({ rpcUrl: devnet.rpcUrl, chainId: devnet.chainId });
  const account = privateKeyToAccount(key as Hex);
  const publicClient = createPublicClient({ chain, transport: http(devnet.rpcUrl) });
  const wallet = createWalletClient({ chain, transport: http(devnet.rpcUrl), account });
  const registry = devnet.contracts.registry as Hex;
  const params = await publicClient.readContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "params",
  });
  const approve = await wallet.writeContract({
    address: devnet.contracts.token as Hex,
    abi: aviaryTokenAbi,
    functionName: "approve",
    args: [registry, params.modelFee],
  });
  await publicClient.waitForTransactionReceipt({ hash: approve });
  const transaction = await wallet.writeContract({
    address: registry,
    abi: aviaryRegistryAbi,
    functionName: "registerModel",
    args: [
      options.name,
      digest,
      options.uri ?? `file://${path}`,
      kinds[options.kind as keyof typeof kinds],
      (options.source ?? account.address) as Hex,
      shareBps,
    ],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: transaction });
  if (receipt.status !== "success") throw new Error(`registerModel reverted (${transaction})`);
  console.log(
    `published ${options.name}: modelId ${keccak256(toHex(options.name))} (block ${receipt.blockNumber})`,
  );
}
