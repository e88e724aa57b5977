import type {
  AuditFilter,
  AuditRecord,
  EvidenceFilter,
  EvidenceRecord,
  IntegrityStore,
} from "../GatewayStore.ts";
import {
  auditFilterSchema,
  auditRecordSchema,
  evidenceFilterSchema,
  evidenceRecordSchema,
  parseInput,
} from "../schemas.ts";
import {
  AUDIT_COLUMNS,
  type AuditRow,
  EVIDENCE_COLUMNS,
  type EvidenceRow,
  toAuditRecord,
  toEvidenceRecord,
  whereClause,
} from "./rows.ts";
import type { SqlStoreContext } from "./SqlStoreContext.ts";

/**
 * {@link IntegrityStore} in SQL, over either driver. Evidence and audits are rare (a few per minute) and
 * written directly, not batched.
 *
 * @example
 * ```ts
 * const integrity = new SqlIntegrityStore(context);
 * await integrity.putEvidence(record);
 * ```
 */
export class SqlIntegrityStore implements IntegrityStore {
  readonly #context: SqlStoreContext;

  constructor(context: SqlStoreContext) {
    this.#context = context;
  }

  async putEvidence(record: EvidenceRecord): Promise<void> {
    const evidence = parseInput("putEvidence", evidenceRecordSchema, record);
    await this.#context.guard("putEvidence", () =>
      this.#context.driver.run(
        `INSERT INTO gateway_evidence (${EVIDENCE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
        [
          evidence.id,
          evidence.supplier,
          evidence.model,
          evidence.kind,
          evidence.check,
          evidence.detail,
          evidence.values,
          evidence.relayKey,
          evidence.createdAt,
          evidence.request,
          evidence.receipt,
        ],
      ),
    );
  }

  async evidence(filter: EvidenceFilter): Promise<EvidenceRecord[]> {
    const { supplier, model, since, limit } = parseInput("evidence", evidenceFilterSchema, filter);
    return this.#context.guard("evidence", async () => {
      const { where, parameters } = whereClause(
        [
          ["supplier", supplier],
          ["model", model],
        ],
        ["created_at", since],
      );
      const rows = await this.#context.driver.query<EvidenceRow>(
        `SELECT ${EVIDENCE_COLUMNS} FROM gateway_evidence ${where} ORDER BY created_at DESC, seq DESC LIMIT ?`,
        [...parameters, limit],
      );
      return rows.map(toEvidenceRecord);
    });
  }

  async putAudit(record: AuditRecord): Promise<void> {
    const audit = parseInput("putAudit", auditRecordSchema, record);
    await this.#context.guard("putAudit", () =>
      this.#context.driver.run(
        `INSERT INTO gateway_audits (${AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
        [
          audit.id,
          audit.supplier,
          audit.model,
          audit.kind,
          audit.relayKey,
          audit.passed,
          audit.check,
          audit.temperature,
          audit.createdAt,
          audit.metrics,
        ],
      ),
    );
  }

  async audits(filter: AuditFilter): Promise<AuditRecord[]> {
    const { supplier, model, since, limit } = parseInput("audits", auditFilterSchema, filter);
    return this.#context.guard("audits", async () => {
      const { where, parameters } = whereClause(
        [
          ["supplier", supplier],
          ["model", model],
        ],
        ["created_at", since],
      );
      const rows = await this.#context.driver.query<AuditRow>(
        `SELECT ${AUDIT_COLUMNS} FROM gateway_audits ${where} ORDER BY created_at DESC, seq DESC LIMIT ?`,
        [...parameters, limit],
      );
      return rows.map(toAuditRecord);
    });
  }
}
