import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pagination } from '../../platform/http/pagination.dto';
import { HygieneDto, HygieneQueryDto } from './pipeline.dto';

/**
 * Hygiene alerts as the last recompute left them: open ('triggered') alerts, critical first, then
 * by deal amount. The recompute owns their lifecycle (health-recompute.service.ts).
 */
@Injectable()
export class HygieneService {
  constructor(private readonly dataSource: DataSource) {}

  async list(workspaceId: string, q: HygieneQueryDto): Promise<HygieneDto> {
    const params: unknown[] = [workspaceId];
    const clauses = [`al.workspace_id = $1`, `al.status = 'triggered'`];
    const add = (sql: string, value: unknown) => {
      if (value === undefined) return;
      params.push(value);
      clauses.push(sql.replace('?', `$${params.length}`));
    };
    add('al.alert_type = ?', q.alert_type);
    add('al.severity = ?', q.severity);
    add('o.owner_id = ?', q.owner_id);
    const where = clauses.join(' AND ');
    const from = `FROM pipeline_alerts al JOIN opportunities o ON o.workspace_id = al.workspace_id AND o.id = al.opportunity_id`;
    const [[summary], rows] = await Promise.all([
      this.dataSource.query(
        `SELECT count(*)::int AS total_alerts, count(*) FILTER (WHERE al.severity = 'critical')::int AS critical,
                count(*) FILTER (WHERE al.severity = 'warning')::int AS warning
           ${from} WHERE ${where}`,
        params,
      ),
      this.dataSource.query(
        `SELECT al.id AS alert_id, al.opportunity_id, o.external_id AS crm_id, o.name AS opportunity_name, al.alert_type,
                al.severity, al.message, o.amount::text AS amount, u.name AS owner_name, al.triggered_at
           ${from} LEFT JOIN crm_users u ON u.workspace_id = o.workspace_id AND u.id = o.owner_id
          WHERE ${where}
          ORDER BY al.severity = 'critical' DESC, o.amount DESC NULLS LAST, al.id
          LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, q.limit, q.offset],
      ),
    ]);
    return {
      summary,
      alerts: rows.map((r: Record<string, unknown>) => ({
        ...r,
        triggered_at: new Date(r.triggered_at as string).toISOString(),
      })),
      pagination: pagination(summary.total_alerts, q.limit, q.offset, rows.length),
    };
  }
}
