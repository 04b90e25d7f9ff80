/**
 * How a deal's forecast category and win probability are derived, as SQL over a row `x` that has
 * the deal's status, stage, forecast_category and probability (an opportunity or one of its
 * stage-history rows) and `m`, the workspace's mapping row for that stage (joined with
 * `stageMappingJoin`). The same expressions serve the live summary, the snapshots and the
 * history rebuild, so they always agree. docs/FORECAST.md explains the rules.
 */
export function dealState(x: string, m = 'm') {
  const category = `COALESCE(${x}.forecast_category, ${m}.forecast_category, 'pipeline')`;
  return {
    /** won -> closed, lost -> omitted; open deals: CRM category, else the stage's, else pipeline. */
    category: `CASE WHEN ${x}.status = 'won' THEN 'closed' WHEN ${x}.status = 'lost' THEN 'omitted'
                    WHEN ${category} = 'closed' THEN 'commit' ELSE ${category} END`,
    /** won 1, lost 0; open deals: CRM probability, else the stage's, else none (NULL). */
    probability: `CASE WHEN ${x}.status = 'won' THEN 1 WHEN ${x}.status = 'lost' THEN 0
                       ELSE COALESCE(${x}.probability, ${m}.probability) END`,
    probabilitySource: `CASE WHEN ${x}.status <> 'open' THEN 'status' WHEN ${x}.probability IS NOT NULL THEN 'crm'
                             WHEN ${m}.probability IS NOT NULL THEN 'stage_mapping' ELSE 'none' END`,
  };
}

export const stageMappingJoin = (x: string, m = 'm') =>
  `LEFT JOIN forecast_stage_settings ${m} ON ${m}.workspace_id = ${x}.workspace_id AND ${m}.stage = ${x}.stage`;

/** A deal's segment: its own, else its account's (docs/CRM_MODEL.md). Needs accounts `a` joined. */
export const dealSegment = (o = 'o', a = 'a') => `COALESCE(${o}.segment, ${a}.segment)`;

export const accountJoin = (o = 'o', a = 'a') =>
  `LEFT JOIN accounts ${a} ON ${a}.workspace_id = ${o}.workspace_id AND ${a}.id = ${o}.account_id`;

/** Optional owner and segment filters on deals `o` (accounts `a`), as parameters appended to `params`. */
export function scopeFilters(
  params: unknown[],
  scope: { ownerId?: string; segment?: string },
  o = 'o',
  a = 'a',
): string {
  let sql = '';
  if (scope.ownerId) {
    params.push(scope.ownerId);
    sql += ` AND ${o}.owner_id = $${params.length}`;
  }
  if (scope.segment) {
    params.push(scope.segment);
    sql += ` AND ${dealSegment(o, a)} = $${params.length}`;
  }
  return sql;
}

/** The rolled-up grain (of forecast_snapshots and forecast_month_totals) a scope reads. */
export function grainOf(scope: { ownerId?: string; segment?: string }): string {
  if (scope.ownerId && scope.segment) return 'owner_segment';
  if (scope.ownerId) return 'owner';
  if (scope.segment) return 'segment';
  return 'workspace';
}

/**
 * The same filters on forecast_snapshots rows (which keep owner and segment as they were), on
 * the rolled-up grain that matches them.
 */
export function snapshotFilters(params: unknown[], scope: { ownerId?: string; segment?: string }) {
  let sql = ` AND grain = '${grainOf(scope)}'`;
  if (scope.ownerId) {
    params.push(scope.ownerId);
    sql += ` AND owner_id = $${params.length}`;
  }
  if (scope.segment) {
    params.push(scope.segment);
    sql += ` AND segment = $${params.length}`;
  }
  return sql;
}
