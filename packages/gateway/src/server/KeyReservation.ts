import type { RelaySigner } from "@aviary/sdk";
import type { GatewayStore, Reservation } from "../store/GatewayStore.ts";
import { KeyBudgetExceededError } from "./errors.ts";

export type KeyReservationParameters = {
  store: Pick<GatewayStore, "raiseReservation">;
  keyId: string;
  /** What `admitRelay` reserved: the first attempt's maxCost. */
  reservation: Reservation;
};

/**
 * One admitted request's reservation on its API key, as it grows with the attempts: admission reserved the
 * first attempt's `maxCost`; before each later attempt (a failover, a hedge, a fallback model) it is raised to
 * that attempt's `maxCost` when that is more (`GatewayStore.raiseReservation`, atomic across replicas). The key
 * pays only for the attempt that answers, so the reservation covers the priciest attempt made, not their sum.
 * Raises are serialized (hedge lanes sign concurrently). `current` is what `recordUsage` settles.
 *
 * @example
 * ```ts
 * const reservation = new KeyReservation({ store, keyId: key.id, reservation: admission.reservation });
 * await sendPlannedRelay({ ...planned, signer: reservation.guard(context.signer), ... });
 * accountRelay({ ..., reservation: reservation.current });
 * ```
 */
export class KeyReservation {
  readonly #parameters: KeyReservationParameters;
  #current: Reservation;
  #queue: Promise<unknown> = Promise.resolve();
  /** Raises queued or running: while any is, a signature waits its turn behind them. */
  #raises = 0;

  constructor(parameters: KeyReservationParameters) {
    this.#parameters = parameters;
    this.#current = parameters.reservation;
  }

  /** What is reserved now. */
  get current(): Reservation {
    return this.#current;
  }

  /**
   * Makes the reservation cover an attempt that may cost `costWei`.
   *
   * @throws {KeyBudgetExceededError} when the key's budget cannot cover the increase (nothing changes).
   */
  cover(costWei: bigint): Promise<void> {
    this.#raises += 1;
    const next = this.#queue.then(async () => {
      if (costWei <= this.#current.costWei) return;
      const { store, keyId } = this.#parameters;
      const decision = await store.raiseReservation(keyId, this.#current, costWei);
      if (!decision.allowed) {
        throw new KeyBudgetExceededError({
          costWei,
          remainingWei: decision.remainingWei,
          limit: decision.limit,
          failover: true,
        });
      }
      this.#current = decision.reservation;
    });
    this.#queue = next
      .catch(() => {})
      .finally(() => {
        this.#raises -= 1;
      });
    return next;
  }

  /**
   * `signer`, covering each attempt's `maxCost` on the key before it is signed: a refused raise ends the relay
   * with {@link KeyBudgetExceededError} (answered 402) instead of trying a supplier the key cannot pay.
   */
  guard(signer: RelaySigner): RelaySigner {
    return {
      sign: async (parameters) => {
        // The first attempt (and any attempt no pricier than what is reserved) signs at once: no queue turn
        // on the relay path unless a raise is needed or one is under way.
        if (this.#raises > 0 || parameters.maxCost > this.#current.costWei)
          await this.cover(parameters.maxCost);
        return signer.sign(parameters);
      },
      ...(signer.settle ? { settle: signer.settle.bind(signer) } : {}),
    };
  }
}
