import type { RelayedExchange } from "@aviary/gateway";
import type { ImagePipeline } from "@aviary/image-runtime";
import { imageBillingChecks } from "./checkImageBilling.ts";
import { compareImages } from "./compareImages.ts";
import { type ParsedImageExchange, parseImageExchange } from "./parseImageExchange.ts";

/**
 * One check of an image audit:
 * - `billing-input` / `billing-output`: the receipt bills input units, or more than images returned × steps;
 * - `image-count`: fewer or more images than the request's `n`;
 * - `image-mismatch`: an image is not the reference's render of the same request (bytes, or the distance).
 */
export type ImageAuditCheckResult = {
  check: "billing-input" | "billing-output" | "image-count" | "image-mismatch";
  passed: boolean;
  value: number;
  limit: number;
  detail: string;
};

/** How an audited image model's renders are compared (gateway config `audit.imageModels[]`). */
export type ImageComparison = { comparison: "exact" | "perceptual"; maxDistance: number };

export type AuditImageExchangeReturnType =
  | {
      ok: true;
      passed: boolean;
      checks: ImageAuditCheckResult[];
      /** The first failed check. */
      failed: ImageAuditCheckResult | null;
      request: ParsedImageExchange["request"];
      /** Per returned image: the comparison with the reference's render. */
      comparisons: { identical: boolean; distance: number }[];
      /** The largest distance over the images (1 when the count differs). */
      distance: number;
      /** The supplier's first image and the reference's (what the gallery shows). */
      supplierImage: Uint8Array | undefined;
      referenceImage: Uint8Array | undefined;
      renderMs: number;
    }
  | { ok: false; reason: string };

/**
 * Judges one image relay by re-rendering it on the reference pipeline with the signed body's prompt, negative
 * prompt, seed, steps, size and guidance, then comparing each returned image with the reference's (image `i`
 * uses seed + i on both sides), and recounting the bill.
 *
 * @param parameters - the reference pipeline, how to compare, the completed relay, an abort signal.
 * @example
 * ```ts
 * const audit = await auditImageExchange({ pipeline, comparison: { comparison: "perceptual", maxDistance: 0.003 }, exchange });
 * if (audit.ok && !audit.passed) fileEvidence(audit.failed);
 * ```
 */
export async function auditImageExchange({
  pipeline,
  comparison,
  exchange,
  signal,
}: {
  pipeline: ImagePipeline;
  comparison: ImageComparison;
  exchange: Pick<RelayedExchange, "route" | "relayBody" | "response" | "receipt">;
  signal?: AbortSignal;
}): Promise<AuditImageExchangeReturnType> {
  const parsed = parseImageExchange(exchange.route, exchange.relayBody, exchange.response);
  if (!parsed) return { ok: false, reason: "not an image relay with a seed and b64_json images" };
  const { request, images } = parsed;
  const started = performance.now();
  let rendered: Uint8Array[];
  try {
    rendered = (
      await pipeline.render({
        prompt: request.prompt,
        ...(request.negativePrompt === undefined ? {} : { negativePrompt: request.negativePrompt }),
        n: request.n,
        width: request.width,
        height: request.height,
        steps: request.steps,
        seed: request.seed,
        ...(request.guidanceScale === undefined ? {} : { guidanceScale: request.guidanceScale }),
        ...(signal ? { signal } : {}),
      })
    ).images;
  } catch (error) {
    return { ok: false, reason: `the reference could not render the request: ${(error as Error).message}` };
  }
  const renderMs = performance.now() - started;
  const checks: ImageAuditCheckResult[] = [
    ...imageBillingChecks(exchange.receipt, images.length, request.steps),
  ];
  checks.push({
    check: "image-count",
    passed: images.length === request.n,
    value: images.length,
    limit: request.n,
    detail: `${images.length} image${images.length === 1 ? "" : "s"} returned; the request asked for ${request.n}`,
  });
  const comparisons = images.map((image, index) => {
    const reference = rendered[index];
    return reference ? compareImages(image, reference) : { identical: false, distance: 1 };
  });
  const exact = comparison.comparison === "exact";
  const limit = exact ? 0 : comparison.maxDistance;
  const distance = comparisons.length === 0 ? 1 : Math.max(...comparisons.map((entry) => entry.distance));
  const worst = comparisons.findIndex((entry) => (exact ? !entry.identical : entry.distance > limit));
  const worstEntry = comparisons[worst];
  checks.push({
    check: "image-mismatch",
    passed: worst === -1 && comparisons.length > 0,
    value: distance,
    limit,
    detail:
      worst === -1
        ? `every image matches the reference's render (largest distance ${distance.toFixed(4)}; limit ${limit})`
        : exact
          ? `image ${worst} is not the reference's render byte for byte (distance ${worstEntry?.distance.toFixed(4)})`
          : `image ${worst} differs from the reference's render of the same seed: mean RGB difference ${worstEntry?.distance.toFixed(4)}; limit ${limit}`,
  });
  const failed = checks.find((check) => !check.passed) ?? null;
  return {
    ok: true,
    passed: failed === null,
    checks,
    failed,
    request,
    comparisons,
    distance,
    supplierImage: images[0],
    referenceImage: rendered[0],
    renderMs,
  };
}
