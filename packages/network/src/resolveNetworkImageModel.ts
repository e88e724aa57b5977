import { pathToFileURL } from "node:url";
import { ensureTestImageModel, testImageModelName } from "@aviary/test-models";
import type { Hex } from "viem";
import type { NetworkModel } from "./resolveNetworkModel.ts";

export type ResolveNetworkImageModelParameters = {
  /** Folder for the generated test image model (it lives in a subfolder of its own). */
  modelsDirectory: string;
  onProgress?: (message: string) => void;
};

/** The image model the network registers (kind `image`) and its suppliers serve beside the text model. */
export type NetworkImageModel = NetworkModel & {
  backend: { type: "embedded-image"; path: string; threads: number };
};

/**
 * Prepares the generated test image model (`aviary-test-image`: seeded random weights, deterministic,
 * content-addressed): its digest is the sha256 of its `pipeline.json`, its uri that file's URL.
 *
 * @example
 * const imageModel = await resolveNetworkImageModel({ modelsDirectory: ".aviary/models" });
 */
export async function resolveNetworkImageModel(
  parameters: ResolveNetworkImageModelParameters,
): Promise<NetworkImageModel> {
  parameters.onProgress?.(
    "preparing the generated test image model (random weights: its pictures are abstract)",
  );
  const model = await ensureTestImageModel({ directory: parameters.modelsDirectory });
  return {
    name: testImageModelName,
    weightsDigest: model.sha256 as Hex,
    uri: pathToFileURL(model.path).href,
    backend: { type: "embedded-image", path: model.path, threads: 1 },
    verified: true,
  };
}
