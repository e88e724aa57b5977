import type { Logger } from "pino";
import type { Address } from "viem";
import { fetchGatewayJson } from "./fetchGatewayJson.ts";
import {
  type GatewayEvidence,
  type GatewayImageAudit,
  type GatewayModelEvaluation,
  type GatewaySupplier,
  gatewayEvidenceResponseSchema,
  gatewayImageAuditsResponseSchema,
  gatewayModelEvaluationsResponseSchema,
  gatewaySuppliersResponseSchema,
} from "./schemas.ts";

/** What the explorer last learned from one gateway's public API. */
export type GatewayStatus = {
  url: string;
  reachable: boolean;
  /** Why the last poll failed (unreachable, bad answer); undefined when it succeeded. */
  error: string | undefined;
  /** The gateway's address, as it reports it. */
  address: Address | undefined;
  /** The gateway's own timestamp of its measurements. */
  updatedAt: string | undefined;
  checkedAt: number | undefined;
  /** Measured suppliers (empty while unreachable: stale measurements are not shown as current). */
  suppliers: GatewaySupplier[];
  /** Published evidence; null when the gateway has no evidence route. */
  evidence: GatewayEvidence[] | null;
  /** Evaluation-set scores per model (by model name); null when the gateway has no such route or it failed. */
  modelEvaluations: GatewayModelEvaluation[] | null;
  /** The latest image audits' renders (supplier's and reference's); null when the gateway has no such route or it failed. */
  imageAudits: GatewayImageAudit[] | null;
};

export type GatewayPollerParameters = {
  /** Gateway base URLs, e.g. `http://127.0.0.1:8080`. */
  gateways: readonly string[];
  /** @default 2000 */
  pollIntervalMs?: number;
  /** Per request. @default 3000 */
  timeoutMs?: number;
  logger: Logger;
};

/**
 * Polls each gateway's public routes (`/public/v1/suppliers`, and `/public/v1/evidence`,
 * `/public/v1/models/evaluation` and `/public/v1/audits/images` where they exist) and keeps the last answer of each. An unreachable or misbehaving gateway is marked so, never thrown.
 *
 * @example
 * ```ts
 * const poller = new GatewayPoller({ gateways: ["http://127.0.0.1:8080"], logger });
 * await poller.poll();
 * poller.statuses[0]?.reachable;
 * ```
 */
export class GatewayPoller {
  readonly statuses: GatewayStatus[];
  readonly #parameters: GatewayPollerParameters;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(parameters: GatewayPollerParameters) {
    this.#parameters = parameters;
    this.statuses = [...new Set(parameters.gateways.map((url) => url.replace(/\/+$/, "")))].map((url) => ({
      url,
      reachable: false,
      error: "not checked yet",
      address: undefined,
      updatedAt: undefined,
      checkedAt: undefined,
      suppliers: [],
      evidence: null,
      modelEvaluations: null,
      imageAudits: null,
    }));
  }

  /** Polls every `pollIntervalMs` until {@link GatewayPoller.stop}. */
  start(): void {
    this.#stopped = false;
    const tick = async () => {
      await this.poll();
      if (!this.#stopped) this.#timer = setTimeout(tick, this.#parameters.pollIntervalMs ?? 2000);
    };
    this.#timer = setTimeout(tick, this.#parameters.pollIntervalMs ?? 2000);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  /** Asks every gateway once (in parallel); never throws. */
  poll(): Promise<void> {
    this.#running ??= Promise.all(this.statuses.map((status) => this.#pollOne(status)))
      .then(() => undefined)
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  async #pollOne(status: GatewayStatus): Promise<void> {
    const timeoutMs = this.#parameters.timeoutMs ?? 3000;
    const wasReachable = status.reachable;
    try {
      const [suppliers, evidence, modelEvaluations, imageAudits] = await Promise.all([
        fetchGatewayJson({
          gateway: status.url,
          path: "/public/v1/suppliers",
          schema: gatewaySuppliersResponseSchema,
          timeoutMs,
        }),
        // Optional route: any failure of it only hides the evidence.
        fetchGatewayJson({
          gateway: status.url,
          path: "/public/v1/evidence",
          schema: gatewayEvidenceResponseSchema,
          timeoutMs,
        }).catch(() => null),
        // Optional too: any failure only hides the evaluation scores.
        fetchGatewayJson({
          gateway: status.url,
          path: "/public/v1/models/evaluation",
          schema: gatewayModelEvaluationsResponseSchema,
          timeoutMs,
        }).catch(() => null),
        // Optional too: any failure only hides the image audits' renders.
        fetchGatewayJson({
          gateway: status.url,
          path: "/public/v1/audits/images",
          schema: gatewayImageAuditsResponseSchema,
          timeoutMs,
        }).catch(() => null),
      ]);
      if (!suppliers) throw new Error(`${status.url} has no /public/v1/suppliers route (HTTP 404)`);
      Object.assign(status, {
        reachable: true,
        error: undefined,
        address: suppliers.gateway,
        updatedAt: suppliers.updatedAt,
        suppliers: suppliers.suppliers,
        evidence: evidence?.evidence ?? null,
        modelEvaluations: modelEvaluations?.models ?? null,
        imageAudits: imageAudits?.audits ?? null,
      });
      if (!wasReachable) this.#parameters.logger.info({ gateway: status.url }, "gateway reachable");
    } catch (error) {
      const message = error instanceof Error ? (error.message.split("\n")[0] ?? error.name) : String(error);
      if (wasReachable || status.checkedAt === undefined) {
        this.#parameters.logger.warn({ gateway: status.url, reason: message }, "gateway unreachable");
      }
      Object.assign(status, {
        reachable: false,
        error: message,
        suppliers: [],
        evidence: null,
        modelEvaluations: null,
        imageAudits: null,
      });
    } finally {
      status.checkedAt = Date.now();
    }
  }
}
