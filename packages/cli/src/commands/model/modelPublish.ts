import { statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  getModel,
  getRegistryParams,
  type ModelKind,
  modelKinds,
  registerModel,
  sha256File,
} from "@aviary/sdk";
import { keccak256, stringToBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CliInputError } from "../../errors.ts";
import { parseAddress } from "../../io/parseAddress.ts";
import { progressLine } from "../../io/progressLine.ts";
import { readPrivateKey } from "../../io/readPrivateKey.ts";
import { resolveChain, writeClients } from "../../io/resolveChain.ts";
import { withProgress } from "../../io/withProgress.ts";
import type { ModelPublishOptions } from "./modelPublish.command.ts";

/**
 * `aviary model publish`: registers a model by content address: the weights file's sha256 is computed here
 * (streamed, with progress), the caller (AVIARY_KEY) pays the model fee and becomes (or names) the source.
 */
export async function modelPublish(options: ModelPublishOptions): Promise<void> {
  if (!modelKinds.includes(options.kind as ModelKind))
    throw new CliInputError(`--kind must be one of ${modelKinds.join(", ")}, got "${options.kind}".`);
  const shareBps = Number(options.shareBps);
  if (!/^\d+$/.test(options.shareBps) || shareBps > 10_000)
    throw new CliInputError(`--share-bps must be an integer in [0, 10000], got "${options.shareBps}".`);
  if (options.name.trim() === "") throw new CliInputError("--name must not be empty.");
  const source = options.source === undefined ? undefined : parseAddress(options.source, "--source");
  if (options.uri !== undefined && !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(options.uri)) {
    throw new CliInputError(`--uri must be a URI such as https://host/model.gguf, got "${options.uri}".`);
  }
  const key = readPrivateKey(options.keyEnv, "Publishing a model");
  const path = resolve(options.file);
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error("not a file");
    size = stat.size;
  } catch (error) {
    throw new CliInputError(`--file ${options.file} cannot be read: ${(error as Error).message}`);
  }

  const resolved = await resolveChain(options);
  const { registry } = resolved.contracts;
  const modelId = keccak256(stringToBytes(options.name));
  const [existing, params] = await Promise.all([
    getModel(resolved.publicClient, { registry, model: modelId }),
    getRegistryParams(resolved.publicClient, { registry }),
  ]);
  if (existing !== undefined) {
    throw new CliInputError(
      `--name ${options.name} is already registered (digest ${existing.weightsDigest}).`,
      ["A model's name is its id: publish new weights under a new name."],
    );
  }
  if (shareBps > params.maxSourceShareBps) {
    throw new CliInputError(`--share-bps ${shareBps} is above the maximum of ${params.maxSourceShareBps}.`);
  }

  const progress = progressLine(`hashing ${path}`, size);
  const digest = await sha256File(path, (bytes) => progress.update(bytes));
  progress.done();
  console.log(`sha256 ${digest} (${size} bytes)`);

  const clients = writeClients(resolved, key);
  const { receipt } = await withProgress(`registering ${options.name} (fee and transaction)`, () =>
    registerModel(clients, {
      registry,
      name: options.name,
      weightsDigest: digest,
      uri: options.uri ?? pathToFileURL(path).href,
      kind: options.kind as ModelKind,
      source: source ?? privateKeyToAccount(key).address,
      sourceShareBps: shareBps,
      token: resolved.contracts.token,
    }),
  );
  console.log(`published ${options.name}: modelId ${modelId} (block ${receipt.blockNumber})`);
}
