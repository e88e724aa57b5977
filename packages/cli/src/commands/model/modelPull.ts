import { createHash } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { sha256File } from "@aviary/sdk";
import type { Hex } from "viem";
import { ModelPullError } from "../../errors.ts";
import { progressLine } from "../../io/progressLine.ts";
import { resolveChain } from "../../io/resolveChain.ts";
import { resolveModel } from "../../io/resolveModel.ts";
import type { ModelPullOptions } from "./modelPull.command.ts";

/**
 * `aviary model pull`: fetches a registered model's weights from its uri (`file://`, `http://`, `https://`)
 * into a temporary file beside the destination, checks the sha256 against the registered digest, and only
 * then renames it into place. A mismatch deletes the download and fails naming both digests.
 */
export async function modelPull(options: ModelPullOptions): Promise<void> {
  const resolved = await resolveChain(options);
  const model = await resolveModel(
    resolved.publicClient,
    resolved.contracts.registry,
    options.nameOrId,
    "model",
  );
  const expected = model.weightsDigest.toLowerCase() as Hex;
  let url: URL;
  try {
    url = new URL(model.uri);
  } catch (cause) {
    throw new ModelPullError(`The registered uri of ${model.name} is not a URL: "${model.uri}".`, { cause });
  }
  if (!["file:", "http:", "https:"].includes(url.protocol)) {
    throw new ModelPullError(
      `Cannot pull ${model.name}: its uri ${model.uri} uses ${url.protocol}//, and only file://, http:// and https:// are supported.`,
      { hints: [`Fetch it yourself, then check its sha256 against the registry's ${expected}.`] },
    );
  }

  const directory = resolve(options.out ?? join(resolved.home, "models"));
  mkdirSync(directory, { recursive: true });
  const target = join(directory, fileNameFor(model.name, url));
  const mismatch = (actual: Hex, where: string, hints: string[]) =>
    new ModelPullError(
      `The weights of ${model.name} from ${where} do not match the registry: sha256 ${actual}, registered ${expected}.`,
      { hints },
    );

  if (existsSync(target)) {
    const present = await sha256File(target);
    if (present === expected) {
      process.stderr.write(`${target} is already there (sha256 ${expected} verified)\n`);
      console.log(target);
      return;
    }
  }

  const temporary = join(directory, `.${basename(target)}.${process.pid}.partial`);
  const cleanUp = () => rmSync(temporary, { force: true });
  const onSignal = () => {
    cleanUp();
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    let source: Readable;
    let total: number | undefined;
    if (url.protocol === "file:") {
      const path = filePathOf(url, model.uri);
      if (resolve(path) === target) {
        // The registered file is the destination itself: verify it in place, never delete it.
        const actual = await sha256File(target);
        if (actual !== expected)
          throw mismatch(actual, target, [
            "The file was changed after it was published; it was left as it is.",
          ]);
        console.log(target);
        return;
      }
      try {
        total = statSync(path).size;
      } catch (cause) {
        throw new ModelPullError(`Cannot read ${path} (the uri of ${model.name}).`, {
          cause,
        });
      }
      source = createReadStream(path);
    } else {
      let response: Response;
      try {
        response = await fetch(url, { redirect: "follow" });
      } catch (cause) {
        throw new ModelPullError(`Cannot download ${model.uri}.`, {
          cause,
          isRetryable: true,
        });
      }
      if (!response.ok || !response.body) {
        throw new ModelPullError(
          `Cannot download ${model.uri}: HTTP ${response.status} ${response.statusText}`,
          {
            isRetryable: response.status >= 500 || response.status === 429,
          },
        );
      }
      const length = Number(response.headers.get("content-length"));
      total = Number.isFinite(length) && length > 0 ? length : undefined;
      source = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
    }

    const hash = createHash("sha256");
    let bytes = 0;
    const progress = progressLine(
      `${url.protocol === "file:" ? "copying" : "downloading"} ${model.uri}`,
      total,
    );
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            bytes += chunk.length;
            progress.update(bytes);
            yield chunk;
          }
        },
        createWriteStream(temporary),
      );
    } catch (cause) {
      throw new ModelPullError(`Fetching ${model.uri} failed after ${bytes} bytes; nothing was kept.`, {
        cause,
        isRetryable: url.protocol !== "file:",
      });
    }
    progress.done();
    const actual = `0x${hash.digest("hex")}` as Hex;
    if (actual !== expected) {
      throw mismatch(actual, model.uri, [
        "The file at the uri is not the one that was published (changed, corrupted or replaced).",
        "Nothing was kept.",
      ]);
    }
    renameSync(temporary, target);
    process.stderr.write(`sha256 ${actual} verified\n`);
    console.log(target);
  } finally {
    cleanUp();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/** `<name><ext of the uri's file>`, made safe as a file name: `aviary-test-model` + `.gguf`. */
function fileNameFor(name: string, url: URL): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");
  const extension = extname(decodeURIComponent(url.pathname));
  return /^\.[A-Za-z0-9]{1,10}$/.test(extension) && !safe.endsWith(extension) ? `${safe}${extension}` : safe;
}

/** The path of a `file://` uri; `file://relative/path` (not a proper file URL) is taken relative to here. */
function filePathOf(url: URL, uri: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return resolve(decodeURIComponent(uri.slice("file://".length)));
  }
}
