import { CrmWriterService } from '../../src/modules/crm/crm-writer.service';
import type { CrmTarget, FieldValue } from '../../src/modules/crm/crm-targets';
import { validateRecord } from '../../src/modules/crm/record-validator';
import type { TestApp } from './test-app';

export interface TestRecord {
  externalId: string;
  fields: Record<string, FieldValue>;
  /** When this state began (stage history); required for deals so no test reads the clock. */
  changedAt?: string;
}

/**
 * Writes CRM rows the way a sync does (validation, defaults, references resolved by external
 * id, stage history at `changedAt`), for tests that need exact hand-made data.
 */
export async function writeCrm(
  t: TestApp,
  workspaceId: string,
  target: CrmTarget,
  records: TestRecord[],
): Promise<Map<string, string>> {
  const canonical = records.map((r) => ({
    externalId: r.externalId,
    fields: { ...r.fields },
    raw: { test: true },
    changedAt: r.changedAt,
  }));
  for (const r of canonical) {
    const problems = validateRecord(target, r);
    if (problems.length > 0) throw new Error(`${target} ${r.externalId}: ${problems.join('; ')}`);
  }
  const writer = t.app.get(CrmWriterService);
  const scope = { workspaceId, connectionId: null, source: 'test' };
  const result = await t.dataSource.transaction(async (m) => {
    const written = await writer.upsert(m, scope, target, canonical);
    // As at the end of a sync run: references to rows of the same batch (a rep's manager).
    await writer.resolveReferences(m, scope, target);
    return written;
  });
  return result.changed;
}

/** The uuid of each external id of a table in a workspace. */
export async function idsOf(
  t: TestApp,
  workspaceId: string,
  table: string,
): Promise<Record<string, string>> {
  const rows: Array<{ id: string; external_id: string }> = await t.dataSource.query(
    `SELECT id, external_id FROM ${table} WHERE workspace_id = $1`,
    [workspaceId],
  );
  return Object.fromEntries(rows.map((r) => [r.external_id, r.id]));
}
