import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pagination } from '../../platform/http/pagination.dto';
import type { SqlQuery } from './pipeline-query.service';
import { HygieneDto, HygieneQueryDto } from './pipeline.dto';

/**
 * The hygiene summary (the counts the recompute keeps per type, severity and owner) and a page of
 * open alerts (a range of pipeline_alerts_list_idx, then names for that page only); run together.
 */
export function hygieneQueries(workspaceId: string, q: HygieneQueryDto): [SqlQuery, SqlQuery] {
  const params: unknown[] = [workspaceId];
  const clauses = [`al.workspace_id = $1`];
  const add = (sql: string, value: unknown) => {
    if (value === undefined) return;
    params.push(value);
    clauses.push(sql.replace('?', `$${params.length}`));
  };
  add('al.alert_type = ?', q.alert_type);
  add('al.severity = ?', q.severity);
  add('al.owner_id = ?', q.owner_id);
  const where = clauses.join(' AND ');
  const order = `al.severity = 'critical' DESC, al.amount DESC NULLS LAST, al.id`;
  return [
    {
      sql: `SELECT COALESCE(sum(al.alerts), 0)::int AS total_alerts,
                   COALESCE(sum(al.alerts) FILTER (WHERE al.severity = 'critical'), 0)::int AS critical,
                   COALESCE(sum(al.alerts) FILTER (WHERE al.severity = 'warning'), 0)::int AS warning
              FROM pipeline_alert_counts al WHERE ${where}`,
      params,
    },
    {
      sql: `SELECT al.id AS alert_id, al.opportunity_id, o.external_id AS crm_id, o.name AS opportunity_name, al.alert_type,
                   al.severity, al.message, al.amount::text AS amount, u.name AS owner_name, al.triggered_at
              FROM (SELECT al.* FROM pipeline_alerts al WHERE ${where} AND al.status = 'triggered'
                     ORDER BY ${order} LIMIT $${params.length + 1} OFFSET $${params.length + 2}) al
              JOIN opportunities o ON o.workspace_id = al.workspace_id AND o.id = al.opportunity_id
              LEFT JOIN crm_users u ON u.workspace_id = al.workspace_id AND u.id = al.owner_id
             ORDER BY ${order}`,
      params: [...params, q.limit, q.offset],
    },
  ];
}

/**
 * Hygiene alerts as the last recompute left them: open ('triggered') alerts, critical first, then
 * by deal amount (both as of that recompute, like the deal list). The recompute owns their
 * lifecycle and keeps the counts the summary reads (health-recompute.service.ts).
 */
@Injectable()
export class HygieneService {
  constructor(private readonly dataSource: DataSource) {}

  async list(workspaceId: string, q: HygieneQueryDto): Promise<HygieneDto> {
    const [counts, page] = hygieneQueries(workspaceId, q);
    const [[summary], rows] = await Promise.all([
      this.dataSource.query(counts.sql, counts.params),
      this.dataSource.query(page.sql, page.params),
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
