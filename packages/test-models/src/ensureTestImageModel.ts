import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { testImageModelFiles, testImageModelName } from "./image/testImageModelManifest.ts";
import {
  encodeTestImageModel,
  type TestImageModelParameters,
  writeTestImageModel,
} from "./writeTestImageModel.ts";

export type EnsureTestImageModelParameters = TestImageModelParameters & {
  /** Folder to keep the model in: it lives in its subfolder `aviary-test-image-seed<seed>` (created if missing). */
  directory: string;
};

export type EnsureTestImageModelReturnType = {
  /** The manifest's path. */
  path: string;
  /** `0x` hex SHA-256 of the manifest file (the pipeline's digest). */
  sha256: `0x${string}`;
  name: typeof testImageModelName;
};

/**
 * Returns the test image model in `directory`, (re)writing it when any of its files is missing or differs from
 * what this code generates (an older generator, a tampered part). The comparison is byte-for-byte against the
 * model built in memory (a few hundred KB), so it is cheap and exact.
 *
 * @param parameters - `directory` and `seed` (default 42).
 * @returns `{ path, sha256, name }`.
 * @example
 * ```ts
 * const model = await ensureTestImageModel({ directory: ".aviary/models" });
 * const pipeline = await loadImagePipeline(model.path);
 * ```
 */
export async function ensureTestImageModel({
  directory,
  seed = 42,
}: EnsureTestImageModelParameters): Promise<EnsureTestImageModelReturnType> {
  const modelDirectory = join(directory, `${testImageModelName}-seed${seed}`);
  const files = encodeTestImageModel({ seed });
  const current = await Promise.all(
    files.map(async (file) => {
      const existing = await readFile(join(modelDirectory, file.name)).catch(() => undefined);
      return existing !== undefined && Buffer.compare(existing, file.bytes) === 0;
    }),
  );
  const manifestPath = join(modelDirectory, testImageModelFiles.manifest);
  if (current.every(Boolean)) {
    const manifest = files[files.length - 1]?.bytes ?? new Uint8Array();
    return {
      path: manifestPath,
      sha256: `0x${createHash("sha256").update(manifest).digest("hex")}`,
      name: testImageModelName,
    };
  }
  const written = await writeTestImageModel({ directory: modelDirectory, seed });
  return { path: written.path, sha256: written.sha256, name: testImageModelName };
}
