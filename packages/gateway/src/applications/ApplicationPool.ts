import { type Address, getAddress } from "viem";

export type ApplicationBudget = (application: Address, session: bigint) => Promise<bigint>;

/**
 * The applications this gateway signs for, and what it has committed of each one's session budget
 * (stake at the session's start / pendingSessions). A relay reserves its maxCost from an application that can
 * still pay it; once served, the reservation becomes the actual cost. When one application runs low, the
 * next one is used; when none can pay, the caller answers a clear error instead of falling over.
 */
export class ApplicationPool {
  readonly #applications: Address[];
  readonly #budget: ApplicationBudget;
  readonly #committed = new Map<string, bigint>();
  #cursor = 0;

  constructor(applications: readonly string[], budget: ApplicationBudget) {
    this.#applications = applications.map((application) => getAddress(application));
    this.#budget = budget;
  }

  get applications(): readonly Address[] {
    return this.#applications;
  }

  /** Reserves `maxCost` from the first application (round robin) whose session budget still covers it. */
  async reserve(
    session: bigint,
    maxCost: bigint,
    exclude: ReadonlySet<string> = new Set(),
  ): Promise<Address | undefined> {
    for (let offset = 0; offset < this.#applications.length; offset += 1) {
      const application = this.#applications[(this.#cursor + offset) % this.#applications.length];
      if (!application || exclude.has(application)) continue;
      const key = `${application}:${session}`;
      let budget: bigint;
      try {
        budget = await this.#budget(application, session);
      } catch {
        continue;
      }
      const committed = this.#committed.get(key) ?? 0n;
      if (committed + maxCost > budget) continue;
      this.#committed.set(key, committed + maxCost);
      this.#cursor = (this.#cursor + offset + 1) % this.#applications.length;
      return application;
    }
    return undefined;
  }

  /** Whether some application could pay `amount` in `session` now (nothing reserved). */
  async canPay(session: bigint, amount: bigint): Promise<boolean> {
    for (const application of this.#applications) {
      const budget = await this.#budget(application, session).catch(() => 0n);
      if ((this.#committed.get(`${application}:${session}`) ?? 0n) + amount <= budget) return true;
    }
    return false;
  }

  /**
   * The largest session budget of any application in `session` (what one relay could ever reserve there, all
   * else unspent). A relay whose cheapest `maxCost` is above it can never be signed, however long one waits.
   */
  async largestBudget(session: bigint): Promise<bigint> {
    let largest = 0n;
    for (const application of this.#applications) {
      const budget = await this.#budget(application, session).catch(() => 0n);
      if (budget > largest) largest = budget;
    }
    return largest;
  }

  /** Replaces a reservation by what the relay actually cost (0 when nothing was served). */
  settle(application: Address, session: bigint, reserved: bigint, actual: bigint): void {
    const key = `${application}:${session}`;
    this.#committed.set(key, (this.#committed.get(key) ?? 0n) - reserved + actual);
  }

  /** Forgets sessions before `session` (bounded memory). */
  forgetBefore(session: bigint): void {
    for (const key of this.#committed.keys()) {
      if (BigInt(key.slice(key.indexOf(":") + 1)) < session) this.#committed.delete(key);
    }
  }
}
