import { FACTORS } from './pipeline-settings.service';

/**
 * The SQL of a health recompute, set-based over a whole workspace (docs/PIPELINE.md defines each
 * factor; change the two together).
 *
 * Parameters of FACTS_SQL: $1 workspace, $2::timestamptz now, $3 engagement window (days), $4 the fewest won
 * deals a norm needs before it replaces the default.
 */

/** Defaults used while a workspace has fewer won deals than a norm needs (docs/PIPELINE.md). */
export const NORM_DEFAULTS = {
  minSample: 5,
  stageMedianDays: 30,
  engagementPerWindow: 4,
  contacts: 2,
  recencyFullDays: 3,
  recencyZeroDays: 21,
};

/**
 * One row per live deal of the workspace with the facts its health is made of and, for open
 * deals, the four factors (0-1, 4 decimals). Norms come from the workspace's won deals:
 * - stays: for each stage a won deal passed through (from its stage history), the days it stayed
 *   and the activities logged meanwhile;
 * - gaps between consecutive activities of won deals, and distinct contacts engaged per won deal.
 */
export const FACTS_SQL = `
CREATE TEMP TABLE pipeline_facts ON COMMIT DROP AS
WITH opp AS (
  SELECT o.id, o.stage, o.status, o.amount, o.owner_id, COALESCE(o.segment, a.segment) AS segment,
         o.close_date, o.probability, (o.next_step IS NULL OR btrim(o.next_step) = '') AS next_step_missing,
         COALESCE(o.created_date::timestamp AT TIME ZONE 'UTC', o.created_at) AS opened_at
    FROM opportunities o
    LEFT JOIN accounts a ON a.workspace_id = o.workspace_id AND a.id = o.account_id
   WHERE o.workspace_id = $1 AND o.deleted_at IS NULL
), deal_contacts AS (
  -- One pass over the workspace's activities, grouped by deal and contact (null: no contact).
  SELECT a.opportunity_id, a.contact_id, max(a.occurred_at) AS last_at,
         count(*) FILTER (WHERE a.occurred_at > $2::timestamptz - make_interval(days => $3::int)) AS recent
    FROM activities a
   WHERE a.workspace_id = $1 AND a.deleted_at IS NULL AND a.opportunity_id IS NOT NULL AND a.occurred_at <= $2::timestamptz
   GROUP BY a.opportunity_id, a.contact_id
), deal_acts AS (
  SELECT opportunity_id, max(last_at) AS last_at, sum(recent) AS recent, count(contact_id) AS contacts
    FROM deal_contacts GROUP BY opportunity_id
), hist AS (
  SELECT h.opportunity_id, h.stage, h.changed_at, h.close_date, o.status AS deal_status, o.stage AS current_stage,
         lag(h.stage) OVER w AS prev_stage, lag(h.close_date) OVER w AS prev_close
    FROM opportunity_stage_history h
    -- The table, not the opp CTE: its statistics make this a hash join over the history rather
    -- than an index probe per deal (a CTE's row estimate is a guess).
    JOIN opportunities o ON o.workspace_id = $1 AND o.id = h.opportunity_id AND o.deleted_at IS NULL
                        AND o.status IN ('open', 'won')
   WHERE h.workspace_id = $1 AND h.changed_at <= $2::timestamptz
  WINDOW w AS (PARTITION BY h.opportunity_id ORDER BY h.changed_at, h.created_at, h.id)
), stays AS (
  SELECT opportunity_id, stage, deal_status, current_stage, changed_at AS started_at,
         lead(changed_at) OVER (PARTITION BY opportunity_id ORDER BY changed_at) AS ended_at
    FROM hist WHERE prev_stage IS DISTINCT FROM stage
), won_activities AS (
  SELECT a.opportunity_id, a.occurred_at
    FROM activities a JOIN opp o ON o.id = a.opportunity_id AND o.status = 'won'
   WHERE a.workspace_id = $1 AND a.deleted_at IS NULL AND a.occurred_at <= $2::timestamptz
), won_stream AS (
  -- Each won deal's stays and activities in one time-ordered stream (a stay sorts before the
  -- activities of its first instant, stays of one instant by their end), with the activities
  -- seen so far: a stay's activities are those between it and the next stay, which ends it. No
  -- join, so no plan that depends on estimates (a range join of the stays to the activities was
  -- planned as a nested loop on the embedded database's lagging statistics).
  SELECT e.opportunity_id, e.kind, e.stage, e.at, e.ended_at,
         count(*) FILTER (WHERE e.kind = 1) OVER (PARTITION BY e.opportunity_id ORDER BY e.at, e.kind, e.ended_at NULLS LAST
                                                  ROWS UNBOUNDED PRECEDING) AS acts_before
    FROM (SELECT opportunity_id, 0 AS kind, stage, started_at AS at, ended_at FROM stays WHERE deal_status = 'won'
          UNION ALL
          SELECT opportunity_id, 1, NULL, occurred_at, NULL FROM won_activities) e
), won_stays AS (
  SELECT w.stage, extract(epoch FROM w.ended_at - w.at) / 86400.0 AS days, w.next_acts_before - w.acts_before AS acts
    FROM (SELECT opportunity_id, stage, at, ended_at, acts_before,
                 lead(acts_before) OVER (PARTITION BY opportunity_id ORDER BY at, ended_at NULLS LAST) AS next_acts_before
            FROM won_stream WHERE kind = 0) w
   WHERE w.ended_at IS NOT NULL
), stage_norms AS (
  SELECT stage, count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_days,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY acts * $3::int / GREATEST(days, $3::int)) AS engagement_norm
    FROM won_stays GROUP BY stage
), won_acts AS (
  SELECT extract(epoch FROM occurred_at - lag(occurred_at) OVER (PARTITION BY opportunity_id ORDER BY occurred_at)) / 86400.0 AS gap
    FROM won_activities
), won_contacts AS (
  SELECT d.opportunity_id, d.contacts AS n FROM deal_acts d JOIN opp o ON o.id = d.opportunity_id AND o.status = 'won'
), norms AS (
  SELECT w.n AS won_n, w.contacts_median, g.gap_median, g.gap_p90, s.n AS stays_n, s.median_days, s.engagement_norm
    FROM (SELECT count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY n) AS contacts_median FROM won_contacts) w,
         (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS gap_median,
                 percentile_cont(0.9) WITHIN GROUP (ORDER BY gap) AS gap_p90 FROM won_acts WHERE gap IS NOT NULL) g,
         (SELECT count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_days,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY acts * $3::int / GREATEST(days, $3::int)) AS engagement_norm FROM won_stays) s
), limits AS (
  SELECT CASE WHEN won_n >= $4::int THEN GREATEST(1, contacts_median) ELSE ${NORM_DEFAULTS.contacts} END AS contacts_norm,
         CASE WHEN won_n >= $4::int THEN LEAST(7, GREATEST(1, gap_median)) ELSE ${NORM_DEFAULTS.recencyFullDays} END AS recency_full,
         CASE WHEN won_n >= $4::int THEN LEAST(30, GREATEST(LEAST(7, GREATEST(1, gap_median)) + 7, gap_p90))
              ELSE ${NORM_DEFAULTS.recencyZeroDays} END AS recency_zero,
         CASE WHEN stays_n >= $4::int THEN median_days ELSE ${NORM_DEFAULTS.stageMedianDays} END AS median_days,
         CASE WHEN stays_n >= $4::int THEN engagement_norm ELSE ${NORM_DEFAULTS.engagementPerWindow} END AS engagement_norm
    FROM norms
), current_stays AS (
  SELECT opportunity_id, started_at FROM stays
   WHERE deal_status = 'open' AND ended_at IS NULL AND stage = current_stage
), pushes AS (
  SELECT opportunity_id, count(*) FILTER (WHERE close_date > prev_close) AS n
    FROM hist WHERE deal_status = 'open' GROUP BY opportunity_id
), facts AS (
  SELECT o.id AS opportunity_id, o.status AS deal_status, o.stage, o.owner_id, o.segment, o.amount, o.close_date,
         o.probability, o.next_step_missing, oa.last_at AS last_activity_at,
         GREATEST(0, floor(extract(epoch FROM $2::timestamptz - COALESCE(oa.last_at, o.opened_at)) / 86400))::int AS days_since_activity,
         GREATEST(0, floor(extract(epoch FROM $2::timestamptz - COALESCE(cs.started_at, o.opened_at)) / 86400))::int AS days_in_stage,
         round(GREATEST(1, CASE WHEN sn.n >= $4::int THEN sn.median_days ELSE l.median_days END)::numeric, 1) AS stage_median_days,
         COALESCE(oa.recent, 0)::int AS recent_activities,
         round(GREATEST(1, CASE WHEN sn.n >= $4::int THEN sn.engagement_norm ELSE l.engagement_norm END)::numeric, 2) AS engagement_norm,
         COALESCE(oa.contacts, 0)::int AS engaged_contacts,
         round(l.contacts_norm::numeric, 2) AS contacts_norm,
         COALESCE(p.n, 0)::int AS close_date_pushes,
         l.recency_full::numeric AS recency_full, l.recency_zero::numeric AS recency_zero
    FROM opp o
    CROSS JOIN limits l
    LEFT JOIN stage_norms sn ON sn.stage = o.stage
    LEFT JOIN deal_acts oa ON oa.opportunity_id = o.id AND o.status = 'open'
    LEFT JOIN current_stays cs ON cs.opportunity_id = o.id
    LEFT JOIN pushes p ON p.opportunity_id = o.id
)
SELECT f.opportunity_id, f.deal_status, f.stage, f.owner_id, f.segment, f.amount, f.close_date, f.probability,
       CASE WHEN is_open THEN f.next_step_missing END AS next_step_missing,
       CASE WHEN is_open THEN f.last_activity_at END AS last_activity_at,
       CASE WHEN is_open THEN f.days_since_activity END AS days_since_activity,
       CASE WHEN is_open THEN f.days_in_stage END AS days_in_stage,
       CASE WHEN is_open THEN f.stage_median_days END AS stage_median_days,
       CASE WHEN is_open THEN f.recent_activities END AS recent_activities,
       CASE WHEN is_open THEN f.engagement_norm END AS engagement_norm,
       CASE WHEN is_open THEN f.engaged_contacts END AS engaged_contacts,
       CASE WHEN is_open THEN f.contacts_norm END AS contacts_norm,
       CASE WHEN is_open THEN f.close_date_pushes END AS close_date_pushes,
       CASE WHEN is_open THEN round(CASE
         WHEN f.days_since_activity <= f.recency_full THEN 1
         WHEN f.days_since_activity >= f.recency_zero THEN 0
         ELSE (f.recency_zero - f.days_since_activity) / (f.recency_zero - f.recency_full) END, 4) END AS activity_recency,
       CASE WHEN is_open THEN round(CASE
         WHEN f.days_in_stage <= f.stage_median_days THEN 1
         WHEN f.days_in_stage >= 3 * f.stage_median_days THEN 0
         ELSE (3 - f.days_in_stage / f.stage_median_days) / 2 END, 4) END AS stage_velocity,
       CASE WHEN is_open THEN round(LEAST(1, f.recent_activities / f.engagement_norm), 4) END AS engagement,
       CASE WHEN is_open THEN round(LEAST(1, f.engaged_contacts / f.contacts_norm), 4) END AS multi_threading
  FROM facts f, LATERAL (SELECT f.deal_status = 'open' AS is_open) x`;

const factorIndex = FACTORS.map((_, i) => i + 1);

/**
 * Points per factor that add up exactly to the score: each factor's share 100·w·f/Σw is floored,
 * and the points still missing to round(Σ shares) go one each to the largest remainders (ties to
 * the earlier factor): the largest-remainder method, as plain expressions.
 */
function pointsSql(): string {
  const share = (i: number) => `(100 * $${4 + i}::numeric * f.${FACTORS[i - 1]} / $9::numeric)`;
  const shares = factorIndex.map((i) => `${share(i)} AS r${i}`).join(', ');
  const floors = factorIndex.map((i) => `floor(r${i}) AS fl${i}, r${i} - floor(r${i}) AS fr${i}`);
  const rank = (i: number) =>
    factorIndex
      .filter((j) => j !== i)
      .map(
        (j) => `(CASE WHEN fr${j} > fr${i}${j < i ? ` OR fr${j} = fr${i}` : ''} THEN 1 ELSE 0 END)`,
      )
      .join(' + ');
  const missing = `(score - (${factorIndex.map((i) => `fl${i}`).join(' + ')}))`;
  const points = factorIndex
    .map((i) => `(fl${i} + CASE WHEN ${rank(i)} < ${missing} THEN 1 ELSE 0 END)::int AS p${i}`)
    .join(', ');
  return `
  SELECT s.*, ${points} FROM (
    SELECT r.*, round(${factorIndex.map((i) => `r${i}`).join(' + ')})::int AS score, ${floors.join(', ')}
      FROM (SELECT f.*, ${shares} FROM pipeline_facts f OFFSET 0) r OFFSET 0
  ) s`;
}

/**
 * Writes the read model from the facts; returns how many rows it wrote and the deals whose status
 * band changed.
 * Parameters: $1 workspace, $2::timestamptz now, $3 healthy_min, $4 monitor_min, $5..$8 the weights, $9 their
 * sum, $10 at_risk_min. Unchanged rows are not rewritten.
 */
export const UPSERT_SQL = `
WITH scored AS (
  SELECT p.*,
         CASE WHEN p.deal_status <> 'open' THEN NULL WHEN p.score >= $3 THEN 'healthy' WHEN p.score >= $4 THEN 'monitor'
              WHEN p.score >= $10 THEN 'at_risk' ELSE 'critical' END AS health_status
    FROM (${pointsSql()}) p
), prev AS (
  SELECT opportunity_id, health_status, health_score FROM pipeline_deals WHERE workspace_id = $1
), removed AS (
  DELETE FROM pipeline_deals d WHERE d.workspace_id = $1
     AND NOT EXISTS (SELECT 1 FROM pipeline_facts f WHERE f.opportunity_id = d.opportunity_id)
  RETURNING 1
), upserted AS (
  INSERT INTO pipeline_deals AS d (workspace_id, opportunity_id, deal_status, stage, owner_id, segment, amount, close_date,
    probability, days_in_stage, health_score, health_status, ${FACTORS.join(', ')},
    ${FACTORS.map((f) => `points_${f}`).join(', ')}, days_since_activity, last_activity_at, stage_median_days,
    recent_activities, engagement_norm, engaged_contacts, contacts_norm, close_date_pushes, next_step_missing,
    computed_at, status_changed_at)
  SELECT $1, s.opportunity_id, s.deal_status, s.stage, s.owner_id, s.segment, s.amount, s.close_date, s.probability,
         s.days_in_stage, CASE WHEN s.deal_status = 'open' THEN s.score END, s.health_status, ${FACTORS.map((f) => `s.${f}`).join(', ')},
         ${factorIndex.map((i) => `CASE WHEN s.deal_status = 'open' THEN s.p${i} END`).join(', ')},
         s.days_since_activity, s.last_activity_at, s.stage_median_days, s.recent_activities, s.engagement_norm,
         s.engaged_contacts, s.contacts_norm, s.close_date_pushes, s.next_step_missing, $2::timestamptz,
         CASE WHEN s.health_status IS NOT NULL THEN $2::timestamptz END
    FROM scored s
  ON CONFLICT (workspace_id, opportunity_id) DO UPDATE SET
    deal_status = EXCLUDED.deal_status, stage = EXCLUDED.stage, owner_id = EXCLUDED.owner_id, segment = EXCLUDED.segment,
    amount = EXCLUDED.amount, close_date = EXCLUDED.close_date, probability = EXCLUDED.probability,
    days_in_stage = EXCLUDED.days_in_stage, health_score = EXCLUDED.health_score, health_status = EXCLUDED.health_status,
    ${FACTORS.map((f) => `${f} = EXCLUDED.${f}, points_${f} = EXCLUDED.points_${f}`).join(', ')},
    days_since_activity = EXCLUDED.days_since_activity, last_activity_at = EXCLUDED.last_activity_at,
    stage_median_days = EXCLUDED.stage_median_days, recent_activities = EXCLUDED.recent_activities,
    engagement_norm = EXCLUDED.engagement_norm, engaged_contacts = EXCLUDED.engaged_contacts,
    contacts_norm = EXCLUDED.contacts_norm, close_date_pushes = EXCLUDED.close_date_pushes,
    next_step_missing = EXCLUDED.next_step_missing, computed_at = EXCLUDED.computed_at,
    status_changed_at = CASE WHEN d.health_status IS DISTINCT FROM EXCLUDED.health_status
                             THEN EXCLUDED.status_changed_at ELSE d.status_changed_at END
  WHERE (d.deal_status, d.stage, d.owner_id, d.segment, d.amount, d.close_date, d.probability, d.days_in_stage,
         d.health_score, d.health_status, ${FACTORS.map((f) => `d.${f}`).join(', ')}, d.days_since_activity,
         d.last_activity_at, d.stage_median_days, d.recent_activities, d.engagement_norm, d.engaged_contacts,
         d.contacts_norm, d.close_date_pushes, d.next_step_missing)
        IS DISTINCT FROM
        (EXCLUDED.deal_status, EXCLUDED.stage, EXCLUDED.owner_id, EXCLUDED.segment, EXCLUDED.amount, EXCLUDED.close_date,
         EXCLUDED.probability, EXCLUDED.days_in_stage, EXCLUDED.health_score, EXCLUDED.health_status,
         ${FACTORS.map((f) => `EXCLUDED.${f}`).join(', ')}, EXCLUDED.days_since_activity, EXCLUDED.last_activity_at,
         EXCLUDED.stage_median_days, EXCLUDED.recent_activities, EXCLUDED.engagement_norm, EXCLUDED.engaged_contacts,
         EXCLUDED.contacts_norm, EXCLUDED.close_date_pushes, EXCLUDED.next_step_missing)
  RETURNING d.opportunity_id, d.health_status, d.health_score
)
SELECT ((SELECT count(*) FROM upserted) + (SELECT count(*) FROM removed))::int AS written,
       COALESCE(json_agg(json_build_object(
         'opportunity_id', u.opportunity_id, 'crm_id', o.external_id, 'previous_status', p.health_status,
         'previous_score', p.health_score, 'new_status', u.health_status, 'health_score', u.health_score)
         ORDER BY u.opportunity_id), '[]'::json) AS changes
  FROM upserted u
  JOIN prev p ON p.opportunity_id = u.opportunity_id
  JOIN opportunities o ON o.workspace_id = $1 AND o.id = u.opportunity_id
 WHERE p.health_status IS NOT NULL AND u.health_status IS NOT NULL AND p.health_status <> u.health_status`;

/** Rebuilds the workspace's rollups from the read model. $1 workspace. */
export const ROLLUP_SQL = [
  `DELETE FROM pipeline_rollups WHERE workspace_id = $1`,
  `INSERT INTO pipeline_rollups (workspace_id, deal_status, health_status, owner_id, segment, stage, deals, amount, score_sum)
   SELECT $1, deal_status, health_status, owner_id, segment, stage, count(*), COALESCE(sum(amount), 0),
          COALESCE(sum(health_score), 0)
     FROM pipeline_deals WHERE workspace_id = $1
    GROUP BY deal_status, health_status, owner_id, segment, stage`,
];

/**
 * The alerts each open deal should have now. Parameters: $1 now, $2 stale warning days, $3 stale critical
 * days, $4 past-close critical days, $5 next-step critical days.
 */
export const DESIRED_ALERTS_SQL = `
CREATE TEMP TABLE pipeline_desired_alerts ON COMMIT DROP AS
SELECT f.opportunity_id, f.amount, f.owner_id, 'stale'::text AS alert_type,
       CASE WHEN f.days_since_activity >= $3 THEN 'critical' ELSE 'warning' END AS severity,
       CASE WHEN f.last_activity_at IS NULL THEN 'No activity logged since the deal was opened ' || f.days_since_activity || ' days ago'
            ELSE 'No activity in ' || f.days_since_activity || ' days' END AS message
  FROM pipeline_facts f WHERE f.deal_status = 'open' AND f.days_since_activity >= $2
UNION ALL
SELECT f.opportunity_id, f.amount, f.owner_id, 'past_close',
       CASE WHEN ($1::timestamptz AT TIME ZONE 'UTC')::date - f.close_date >= $4 THEN 'critical' ELSE 'warning' END,
       'Close date ' || to_char(f.close_date, 'YYYY-MM-DD') || ' passed ' || (($1::timestamptz AT TIME ZONE 'UTC')::date - f.close_date)
         || CASE WHEN ($1::timestamptz AT TIME ZONE 'UTC')::date - f.close_date = 1 THEN ' day ago' ELSE ' days ago' END
  FROM pipeline_facts f WHERE f.deal_status = 'open' AND f.close_date < ($1::timestamptz AT TIME ZONE 'UTC')::date
UNION ALL
SELECT f.opportunity_id, f.amount, f.owner_id, 'missing_next_step',
       CASE WHEN f.close_date IS NOT NULL AND f.close_date - ($1::timestamptz AT TIME ZONE 'UTC')::date <= $5 THEN 'critical' ELSE 'warning' END,
       CASE WHEN f.close_date IS NOT NULL AND f.close_date - ($1::timestamptz AT TIME ZONE 'UTC')::date <= $5
            THEN 'No next step, closing ' || to_char(f.close_date, 'YYYY-MM-DD') ELSE 'No next step' END
  FROM pipeline_facts f WHERE f.deal_status = 'open' AND f.next_step_missing`;

/** An alert row as its alert.* event payload (timestamps as JavaScript's toISOString writes them). */
const ALERT_PAYLOAD = `jsonb_build_object(
  'alert_id', a.id, 'opportunity_id', a.opportunity_id, 'crm_id', o.external_id, 'alert_type', a.alert_type,
  'severity', a.severity, 'message', a.message,
  'triggered_at', to_char(a.triggered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'resolved_at', to_char(a.resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) AS payload`;

/**
 * New alerts are triggered; open ones follow their deal's severity and message. $1 workspace,
 * $2::timestamptz now, $3 a random nonce of the run: alert ids are md5(nonce, deal, type) as a
 * uuid (unique per run, as a deal has one open alert per type; PGlite's gen_random_uuid costs
 * ~25 us a row). In EventPublisher.publishFromSql's form: the CTE writes, the select yields
 * an alert.triggered payload per new alert.
 */
export const TRIGGER_ALERTS_SQL = {
  with: `written AS (
  INSERT INTO pipeline_alerts AS a (id, workspace_id, opportunity_id, alert_type, severity, message, amount, owner_id,
                                    triggered_at, updated_at)
  SELECT md5($3::text || d.opportunity_id::text || d.alert_type)::uuid, $1, d.opportunity_id, d.alert_type, d.severity,
         d.message, d.amount, d.owner_id, $2::timestamptz, $2::timestamptz
    FROM pipeline_desired_alerts d
  ON CONFLICT (workspace_id, opportunity_id, alert_type) WHERE status = 'triggered' DO UPDATE SET
    severity = EXCLUDED.severity, message = EXCLUDED.message, amount = EXCLUDED.amount, owner_id = EXCLUDED.owner_id,
    updated_at = EXCLUDED.updated_at
  WHERE (a.severity, a.message, a.amount, a.owner_id)
        IS DISTINCT FROM (EXCLUDED.severity, EXCLUDED.message, EXCLUDED.amount, EXCLUDED.owner_id)
  RETURNING a.*, (a.xmax = 0) AS inserted
)`,
  select: `SELECT ${ALERT_PAYLOAD} FROM written a JOIN opportunities o ON o.workspace_id = $1 AND o.id = a.opportunity_id
  WHERE a.inserted ORDER BY a.opportunity_id, a.alert_type`,
};

/** Open alerts whose condition is gone (or whose deal closed) are resolved; same form, alert.resolved payloads. */
export const RESOLVE_ALERTS_SQL = {
  with: `resolved AS (
  UPDATE pipeline_alerts a SET status = 'resolved', resolved_at = $2::timestamptz, updated_at = $2::timestamptz
   WHERE a.workspace_id = $1 AND a.status = 'triggered'
     -- NOT IN over NOT NULL columns: a hashed subplan whatever the estimates (alerts inserted by
     -- this transaction have no statistics yet, and NOT EXISTS was then planned as a nested loop
     -- over the desired alerts: 22 s for 24,000 alerts, measured).
     AND (a.opportunity_id, a.alert_type) NOT IN (SELECT d.opportunity_id, d.alert_type FROM pipeline_desired_alerts d)
  RETURNING a.*
)`,
  select: `SELECT ${ALERT_PAYLOAD} FROM resolved a JOIN opportunities o ON o.workspace_id = $1 AND o.id = a.opportunity_id
  ORDER BY a.opportunity_id, a.alert_type`,
};

/** Rebuilds the workspace's open-alert counts (the hygiene summary) from the alerts. $1 workspace. */
export const ALERT_COUNTS_SQL = [
  `DELETE FROM pipeline_alert_counts WHERE workspace_id = $1`,
  `INSERT INTO pipeline_alert_counts (workspace_id, alert_type, severity, owner_id, alerts)
   SELECT $1, alert_type, severity, owner_id, count(*) FROM pipeline_alerts
    WHERE workspace_id = $1 AND status = 'triggered' GROUP BY alert_type, severity, owner_id`,
];
