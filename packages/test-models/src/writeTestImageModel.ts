import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomically } from "@aviary/image-runtime";
import { z } from "zod";
import { encodeTestImageModelParts } from "./image/encodeTestImageModelParts.ts";
import { testImageModelFiles, testImageModelManifest } from "./image/testImageModelManifest.ts";

const testImageModelParametersSchema = z.object({
  seed: z.number().int().min(0).max(0xffffffff).default(42),
});

export type TestImageModelParameters = z.input<typeof testImageModelParametersSchema>;

export type WriteTestImageModelParameters = TestImageModelParameters & {
  /** The pipeline directory to write (created if missing; its four files are replaced atomically). */
  directory: string;
};

export type WriteTestImageModelReturnType = {
  /** The manifest's path (`<directory>/pipeline.json`). */
  path: string;
  /** `0x` hex SHA-256 of the manifest file: the pipeline's digest (the manifest pins each part's SHA-256). */
  sha256: `0x${string}`;
  /** Bytes of the four files together. */
  bytes: number;
};

/** The test model's files, in memory: part file name → bytes, manifest last. */
export type TestImageModelFileContents = Array<{ name: string; bytes: Uint8Array }>;

/**
 * Builds the test image model's four files in memory: three ONNX parts with weights seeded by `seed` and the
 * `pipeline.json` that pins them. Same seed → identical bytes, on every machine.
 *
 * @param parameters - `seed` (uint32, default 42).
 * @example
 * ```ts
 * const files = encodeTestImageModel({ seed: 7 });
 * ```
 */
export function encodeTestImageModel(parameters: TestImageModelParameters = {}): TestImageModelFileContents {
  const { seed } = testImageModelParametersSchema.parse(parameters);
  const parts = encodeTestImageModelParts(seed);
  const manifest = testImageModelManifest({
    promptEncoder: sha256Hex(parts.promptEncoder),
    denoiser: sha256Hex(parts.denoiser),
    decoder: sha256Hex(parts.decoder),
  });
  return [
    { name: testImageModelFiles.promptEncoder, bytes: parts.promptEncoder },
    { name: testImageModelFiles.denoiser, bytes: parts.denoiser },
    { name: testImageModelFiles.decoder, bytes: parts.decoder },
    {
      name: testImageModelFiles.manifest,
      bytes: new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
    },
  ];
}

/**
 * Writes the test image model (see {@link encodeTestImageModel}) into `directory`: the parts first, then the
 * manifest, each through a temporary file and a rename, so a reader never sees a manifest without its parts.
 *
 * @param parameters - `directory` and `seed` (default 42).
 * @returns the manifest's path, its `0x` SHA-256 (the pipeline's digest) and the total size.
 * @example
 * ```ts
 * const { path, sha256 } = await writeTestImageModel({ directory: "/tmp/aviary-test-image" });
 * const pipeline = await loadImagePipeline(path);
 * ```
 */
export async function writeTestImageModel({
  directory,
  ...parameters
}: WriteTestImageModelParameters): Promise<WriteTestImageModelReturnType> {
  const files = encodeTestImageModel(parameters);
  await mkdir(directory, { recursive: true });
  for (const file of files) await writeFileAtomically(join(directory, file.name), file.bytes);
  const manifest = files[files.length - 1] as TestImageModelFileContents[number];
  return {
    path: join(directory, testImageModelFiles.manifest),
    sha256: sha256Hex(manifest.bytes),
    bytes: files.reduce((total, file) => total + file.bytes.length, 0),
  };
}

function sha256Hex(bytes: Uint8Array): `0x${string}` {
  return `0x${createHash("sha256").update(bytes).digest("hex")}`;
}
