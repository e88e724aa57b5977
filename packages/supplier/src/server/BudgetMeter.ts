/**
 * Meters what the supplier has served (and is serving) each application per session against the
 * application's session budget (protocol.md §7), so it refuses what it could not be paid for. A relay
 * reserves its `maxCost` before inference and, once served, replaces the reservation by its actual cost.
 */
export class BudgetMeter {
  readonly #used = new Map<string, bigint>();

  static key(application: string, session: bigint): string {
    return `${application.toLowerCase()}:${session}`;
  }

  /** Spent plus reserved for (application, session). */
  used(application: string, session: bigint): bigint {
    return this.#used.get(BudgetMeter.key(application, session)) ?? 0n;
  }

  /** Reserves `amount` if it fits in `budget`; false otherwise (nothing reserved). */
  reserve(application: string, session: bigint, amount: bigint, budget: bigint): boolean {
    const key = BudgetMeter.key(application, session);
    const used = this.#used.get(key) ?? 0n;
    if (used + amount > budget) return false;
    this.#used.set(key, used + amount);
    return true;
  }

  /** Replaces a reservation by the relay's actual cost (0 when it was not served). */
  settle(application: string, session: bigint, reserved: bigint, actual: bigint): void {
    const key = BudgetMeter.key(application, session);
    this.#used.set(key, (this.#used.get(key) ?? 0n) - reserved + actual);
  }

  /** Forgets sessions older than `session`. */
  forgetBefore(session: bigint): void {
    for (const key of this.#used.keys()) {
      if (BigInt(key.slice(key.indexOf(":") + 1)) < session) this.#used.delete(key);
    }
  }
}
