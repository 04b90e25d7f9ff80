import { DataSource } from 'typeorm';
import { CanonicalRecord, CrmTarget, FieldValue } from '../../src/modules/crm/crm-targets';
import { CrmWriterService } from '../../src/modules/crm/crm-writer.service';
import { validateRecord } from '../../src/modules/crm/record-validator';

const DAY = 86_400_000;

/** An instant `days` (fractional allowed) before `now`, ISO. */
export const daysBefore = (now: Date, days: number) =>
  new Date(now.getTime() - days * DAY).toISOString();
export const dateBefore = (now: Date, days: number) => daysBefore(now, days).slice(0, 10);

/**
 * Hand-built CRM records written through the real writer (validation, defaults, stage history),
 * as an API-created source ('test', no connection).
 */
export class CrmBuilder {
  constructor(
    private readonly dataSource: DataSource,
    private readonly writer: CrmWriterService,
    readonly workspaceId: string,
    private readonly source = 'test',
  ) {}

  async write(
    target: CrmTarget,
    records: Array<{ id: string; fields: Record<string, FieldValue>; changedAt?: string }>,
  ): Promise<void> {
    const canonical: CanonicalRecord[] = records.map((r) => ({
      externalId: r.id,
      fields: { ...r.fields },
      raw: {},
      changedAt: r.changedAt,
    }));
    for (const record of canonical) {
      const problems = validateRecord(target, record);
      if (problems.length > 0) throw new Error(`${record.externalId}: ${problems.join('; ')}`);
    }
    await this.dataSource.transaction(async (m) => {
      const scope = { workspaceId: this.workspaceId, connectionId: null, source: this.source };
      await this.writer.upsert(m, scope, target, canonical);
      await this.writer.resolveReferences(m, scope, target);
    });
  }

  /** Activities on a deal at the given days before `now`, each with a contact (or none). */
  async activities(
    now: Date,
    deal: string,
    items: Array<{ daysAgo: number; contact?: string | null; type?: string; direction?: string }>,
  ): Promise<void> {
    await this.write(
      'activities',
      items.map((a, i) => ({
        id: `${deal}-act-${i + 1}-${a.daysAgo}`,
        fields: {
          type: a.type ?? 'call',
          direction: a.direction ?? 'outbound',
          occurred_at: daysBefore(now, a.daysAgo),
          opportunity_external_id: deal,
          contact_external_id: a.contact ?? null,
          owner_external_id: 'rep-1',
        },
      })),
    );
  }
}
