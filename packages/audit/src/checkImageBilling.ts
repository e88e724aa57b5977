import type { RelayedExchange } from "@aviary/gateway";
import type { ImageAuditCheckResult } from "./auditImageExchange.ts";
import { parseImageExchange } from "./parseImageExchange.ts";

export type CheckImageBillingReturnType =
  | {
      checked: true;
      passed: boolean;
      failed: ImageAuditCheckResult | null;
      /** Images returned. */
      images: number;
      /** Steps per image, from the signed body. */
      steps: number;
    }
  | { checked: false; reason: string };

/**
 * The billing audit of any image relay (protocol.md §4): the receipt's output units must not exceed the images
 * returned × the signed body's steps, its input units must be 0. No rendering: microseconds. A receipt above
 * either is evidence.
 *
 * @param exchange - the completed relay.
 * @example
 * ```ts
 * const billing = checkImageBilling(exchange);
 * if (billing.checked && !billing.passed) fileEvidence(billing.failed);
 * ```
 */
export function checkImageBilling(exchange: RelayedExchange): CheckImageBillingReturnType {
  const parsed = parseImageExchange(exchange.route, exchange.relayBody, exchange.response);
  if (!parsed) return { checked: false, reason: "not an image relay with b64_json images" };
  const checks = imageBillingChecks(exchange.receipt, parsed.images.length, parsed.request.steps);
  const failed = checks.find((check) => !check.passed) ?? null;
  return {
    checked: true,
    passed: failed === null,
    failed,
    images: parsed.images.length,
    steps: parsed.request.steps,
  };
}

/** The two billing checks of an image receipt: input units 0; output units ≤ images × steps. */
export function imageBillingChecks(
  receipt: { inputUnits: bigint; outputUnits: bigint },
  images: number,
  steps: number,
): [ImageAuditCheckResult, ImageAuditCheckResult] {
  const inputUnits = Number(receipt.inputUnits);
  const outputUnits = Number(receipt.outputUnits);
  const units = images * steps;
  return [
    {
      check: "billing-input",
      passed: inputUnits === 0,
      value: inputUnits,
      limit: 0,
      detail: `the receipt bills ${inputUnits} input units; an image relay has none`,
    },
    {
      check: "billing-output",
      passed: outputUnits <= units,
      value: outputUnits,
      limit: units,
      detail: `the receipt bills ${outputUnits} image·steps; ${images} image${images === 1 ? "" : "s"} returned × ${steps} steps = ${units}`,
    },
  ];
}
