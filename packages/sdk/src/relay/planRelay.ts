import type { SupplierCandidateInfo } from "../discovery/discoverSuppliers.ts";
import type { SupplierDirectory } from "../discovery/SupplierDirectory.ts";
import {
  ChainReadError,
  NoEligibleSupplierError,
  NoSupplierError,
  type UnsupportedParameterError,
} from "../errors.ts";
import {
  type Candidate,
  planAttempts,
  type RoutingStrategy,
  rankCandidates,
  type SupplierStatsBook,
} from "../routing/index.ts";
import type { PreparedRelayBody } from "./prepareRelayBody.ts";
import type { SupplierDistrust } from "./SupplierDistrust.ts";
import { selectCapableSuppliers } from "./selectCapableSuppliers.ts";

/** A supplier in a relay's plan: discovery's answer and the stats it was ranked with. */
export type PlannedCandidate = SupplierCandidateInfo & Pick<Candidate, "stats">;

export type PlanRelayParameters = {
  prepared: Pick<
    PreparedRelayBody,
    "route" | "body" | "model" | "modelId" | "provider" | "inputUnits" | "outputUnits"
  >;
  /**
   * The sessions a relay may name, in preference order: the lagged session first, then the head's (at a
   * rollover a supplier a block behind still serves the lagged one; right after it, the head's may be all
   * there is).
   */
  sessions: readonly bigint[];
  /**
   * Where the model's suppliers are found; with `declared`, what they declare they support (without it, the
   * suppliers' own `capabilities`).
   */
  directory: Pick<SupplierDirectory, "get"> & Partial<Pick<SupplierDirectory, "declared">>;
  /**
   * Whether the signer can pay in `session` at all (a gateway: some application delegated to it then).
   * A session it cannot sign for is skipped while a later one remains. @default always true
   */
  canSign?: (session: bigint) => boolean | Promise<boolean>;
  book: Pick<SupplierStatsBook, "statsFor">;
  /** Suppliers with a bad receipt: tried after all the others. */
  distrust?: Pick<SupplierDistrust, "isDistrusted">;
  strategy: RoutingStrategy;
  /** Most suppliers tried. @default 3 */
  maxAttempts?: number;
  /** @default Date.now() */
  now?: number;
  /** @default Math.random */
  random?: () => number;
};

export type PlanRelayReturnType = {
  /** The session the relay names. */
  session: bigint;
  /** The suppliers to try, in order (never empty). */
  plan: PlannedCandidate[];
};
export type PlanRelayErrorType =
  | ChainReadError
  | NoSupplierError
  | NoEligibleSupplierError
  | UnsupportedParameterError;

/**
 * Which suppliers a relay tries, in which session: looks the model up in the directory for the first session
 * that has suppliers (and that the signer can pay in), keeps those whose declared capabilities honour every
 * field of the body (`selectCapableSuppliers`; and `provider.data_collection`), ranks them with the routing
 * strategy and the request's `provider` options, moves distrusted suppliers behind every other, and cuts the
 * plan to `maxAttempts`.
 *
 * @param parameters - the prepared body, the sessions, the directory, routing state and options.
 * @throws {ChainReadError} when the registry cannot be read.
 * @throws {NoSupplierError} when nobody offers the model (404 `model_not_found`).
 * @throws {UnsupportedParameterError} when no supplier supports a field the body sets (400
 *   `unsupported_parameter`).
 * @throws {NoEligibleSupplierError} when the `provider` options exclude every supplier.
 * @example
 * ```ts
 * const { session, plan } = await planRelay({ prepared, sessions: [lagged, head], directory, book, strategy });
 * ```
 */
export async function planRelay(parameters: PlanRelayParameters): Promise<PlanRelayReturnType> {
  const { prepared, sessions, directory } = parameters;
  let session = sessions[0] ?? 0n;
  let suppliers: SupplierCandidateInfo[] = [];
  try {
    for (const [index, candidateSession] of sessions.entries()) {
      session = candidateSession;
      suppliers = await directory.get(prepared.modelId, candidateSession);
      const last = index === sessions.length - 1;
      if (suppliers.length > 0 && (last || (await (parameters.canSign?.(candidateSession) ?? true)))) break;
    }
  } catch (cause) {
    if (cause instanceof ChainReadError) throw cause;
    throw new ChainReadError({ what: `the suppliers of ${prepared.model} in session ${session}`, cause });
  }
  if (suppliers.length === 0) {
    throw new NoSupplierError({ model: prepared.modelId, session, modelName: prepared.model });
  }

  const capable = await capableSuppliers(parameters, suppliers);

  const now = parameters.now ?? Date.now();
  const candidates = capable.map((supplier) => ({
    ...supplier,
    stats: parameters.book.statsFor(supplier, now),
  }));
  const byAddress = new Map(candidates.map((candidate) => [candidate.address.toLowerCase(), candidate]));
  const { ranked, excluded } = rankCandidates(candidates, {
    strategy: parameters.strategy,
    provider: prepared.provider,
    now,
    random: parameters.random ?? Math.random,
    expectedUsage: { inputTokens: Number(prepared.inputUnits), outputTokens: Number(prepared.outputUnits) },
  });
  // A supplier caught lying about a receipt stays in the plan, but only as a last resort.
  const distrust = parameters.distrust;
  const ordered = distrust
    ? [
        ...ranked.filter((candidate) => !distrust.isDistrusted(candidate.address, now)),
        ...ranked.filter((candidate) => distrust.isDistrusted(candidate.address, now)),
      ]
    : ranked;
  const plan = planAttempts(ordered, { maxAttempts: parameters.maxAttempts ?? 3 })
    .map((candidate) => byAddress.get(candidate.address.toLowerCase()))
    .filter((candidate): candidate is PlannedCandidate => candidate !== undefined);
  if (plan.length === 0) {
    throw new NoEligibleSupplierError({
      modelName: prepared.model,
      excluded: excluded.map((entry) => `${entry.address}: ${entry.reason}`),
    });
  }
  return { session, plan };
}

/**
 * The suppliers that can serve the body as their declarations stand. A supplier whose declaration was never
 * read yet counts as plain-only, which is all a plain request needs; only when that excluded one is the wait
 * for the first reads worth it (bounded by the directory's timeout).
 */
async function capableSuppliers(
  { prepared, directory }: PlanRelayParameters,
  suppliers: readonly SupplierCandidateInfo[],
): Promise<SupplierCandidateInfo[]> {
  const select = (list: readonly SupplierCandidateInfo[]) =>
    selectCapableSuppliers({
      route: prepared.route,
      body: prepared.body,
      modelName: prepared.model,
      suppliers: list,
      dataCollection: prepared.provider?.data_collection,
    });
  if (!directory.declared) return select(suppliers);
  const known = await directory.declared(prepared.modelId, suppliers);
  if (known.every((supplier) => supplier.capabilities !== undefined)) return select(known);
  let capable: SupplierCandidateInfo[] = [];
  try {
    capable = select(known);
  } catch {
    // Decided again below, once every declaration was read.
  }
  const kept = new Set(capable);
  if (known.every((supplier) => supplier.capabilities !== undefined || kept.has(supplier))) return capable;
  return select(await directory.declared(prepared.modelId, suppliers, { wait: true }));
}
