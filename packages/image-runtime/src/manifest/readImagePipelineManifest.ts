import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ImagePipelineManifestInvalidError, ImagePipelineManifestMissingError } from "../errors.ts";
import { type ImagePipelineManifest, imagePipelineManifestSchema } from "./imagePipelineManifestSchema.ts";

/** The manifest's file name inside a pipeline directory. */
export const imagePipelineManifestFileName = "pipeline.json";

export type ReadImagePipelineManifestReturnType = {
  /** The manifest file's path. */
  path: string;
  /** The directory its parts live in. */
  directory: string;
  manifest: ImagePipelineManifest;
  /** `0x` hex SHA-256 of the manifest file's bytes. */
  digest: `0x${string}`;
};

/**
 * Reads and validates a pipeline manifest. `path` is the manifest file or its directory.
 *
 * @param path - `…/pipeline.json` or the directory holding it.
 * @throws {ImagePipelineManifestMissingError} when the file cannot be read.
 * @throws {ImagePipelineManifestInvalidError} naming the first bad field when it is not JSON or not a manifest.
 * @example
 * ```ts
 * const { manifest, digest } = await readImagePipelineManifest("/models/aviary-test-image-seed42");
 * ```
 */
export async function readImagePipelineManifest(path: string): Promise<ReadImagePipelineManifestReturnType> {
  const isDirectory = await stat(path)
    .then((entry) => entry.isDirectory())
    .catch(() => false);
  const manifestPath = isDirectory ? join(path, imagePipelineManifestFileName) : path;
  let bytes: Buffer;
  try {
    bytes = await readFile(manifestPath);
  } catch (cause) {
    throw new ImagePipelineManifestMissingError({ path: manifestPath, cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (cause) {
    throw new ImagePipelineManifestInvalidError({
      path: manifestPath,
      field: "(json)",
      reason: "not valid JSON",
      cause,
    });
  }
  const parsed = imagePipelineManifestSchema.safeParse(json);
  if (!parsed.success) {
    const [first, ...others] = parsed.error.issues;
    const fieldOf = (issue: { path: PropertyKey[] }) => issue.path.map(String).join(".") || "(root)";
    throw new ImagePipelineManifestInvalidError({
      path: manifestPath,
      field: first ? fieldOf(first) : "(root)",
      reason: first?.message ?? "invalid",
      cause: parsed.error,
      metaMessages: others.map((issue) => `Also \`${fieldOf(issue)}\`: ${issue.message}`),
    });
  }
  return {
    path: manifestPath,
    directory: dirname(manifestPath),
    manifest: parsed.data,
    digest: `0x${createHash("sha256").update(bytes).digest("hex")}`,
  };
}
