import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { sha256File } from "@aviary/sdk";
import type { OpenAiBackendCapabilities } from "@aviary/supplier";
import { ensureTestModel, testModelName } from "@aviary/test-models";
import type { Hex } from "viem";
import { LocalNetworkModelError } from "./errors.ts";

export type ResolveNetworkModelParameters = {
  /** Folder for the generated test model. */
  modelsDirectory: string;
  /** A GGUF file to serve with the embedded runtime instead of the test model. */
  modelPath?: string;
  /** An OpenAI-compatible server to serve instead of the embedded runtime, and what it supports beyond text. */
  backend?: { baseUrl: string; model: string; capabilities?: OpenAiBackendCapabilities };
  onProgress?: (message: string) => void;
};

/** The model the network registers and its suppliers serve. */
export type NetworkModel = {
  /** The registered name (modelId = keccak256(name)); also the `model` clients send. */
  name: string;
  /** sha256 of the weights file, registered on-chain. */
  weightsDigest: Hex;
  uri: string;
  /** The supplier's backend configuration for this model. */
  backend:
    | { type: "embedded"; path: string; sequences: number; threads: number }
    | { type: "embedded-image"; path: string; threads: number }
    | { type: "openai"; baseUrl: string; model: string; capabilities?: OpenAiBackendCapabilities };
  /** False when nothing local could be hashed (an external server's weights are not verifiable here). */
  verified: boolean;
};

/**
 * Decides what the local network serves: the generated test model (default), a GGUF file given by the
 * user, or an external OpenAI-compatible server (llama.cpp, vLLM, Ollama).
 *
 * @example
 * const model = await resolveNetworkModel({ modelsDirectory: ".aviary/models" });
 */
export async function resolveNetworkModel(parameters: ResolveNetworkModelParameters): Promise<NetworkModel> {
  const progress = parameters.onProgress ?? (() => {});
  if (parameters.backend) {
    const { baseUrl, model, capabilities } = parameters.backend;
    if (!/^https?:\/\//.test(baseUrl))
      throw new LocalNetworkModelError(`--backend must be an http(s) URL, got "${baseUrl}"`);
    // With a local copy of the weights, register their real digest; otherwise a marker digest: the
    // external server's weights cannot be hashed from here, which the printed summary says.
    const local = parameters.modelPath ? await hashFile(parameters.modelPath, progress) : undefined;
    return {
      name: model,
      weightsDigest:
        local ?? `0x${createHash("sha256").update(`unverified:${baseUrl}#${model}`).digest("hex")}`,
      uri: parameters.modelPath ? pathToFileURL(resolve(parameters.modelPath)).href : `${baseUrl}#${model}`,
      backend: { type: "openai", baseUrl, model, ...(capabilities ? { capabilities } : {}) },
      verified: local !== undefined,
    };
  }
  if (parameters.modelPath) {
    const path = resolve(parameters.modelPath);
    const weightsDigest = await hashFile(path, progress);
    return {
      name: basename(path).replace(/\.gguf$/i, ""),
      weightsDigest,
      uri: pathToFileURL(path).href,
      backend: { type: "embedded", path, sequences: 2, threads: 1 },
      verified: true,
    };
  }
  progress("preparing the generated test model (random weights: its text is meaningless)");
  const model = await ensureTestModel({ directory: parameters.modelsDirectory, preset: "tiny" });
  return {
    name: testModelName,
    weightsDigest: model.sha256 as Hex,
    uri: pathToFileURL(model.path).href,
    backend: { type: "embedded", path: model.path, sequences: 2, threads: 1 },
    verified: true,
  };
}

async function hashFile(path: string, progress: (message: string) => void): Promise<Hex> {
  let size: number;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw new Error("not a regular file");
    size = stats.size;
  } catch (cause) {
    throw new LocalNetworkModelError(`--model ${path} cannot be read (${(cause as Error).message})`, cause);
  }
  // Large GGUFs take a while to hash: report every ~10%.
  let reported = 0;
  return sha256File(path, (read) => {
    if (size > 0 && read / size - reported >= 0.1) {
      reported = read / size;
      progress(`hashing ${basename(path)}: ${Math.floor(reported * 100)}%`);
    }
  });
}
