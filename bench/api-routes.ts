/**
 * The routes `npm run bench:api` measures, on the data set of bench/bench-data.ts. For each: its
 * path (analytics routes pin `as_of` to the data set's day), the service method its controller
 * calls with the arguments the controller would build (the in-process ceiling), and for the
 * pipeline routes the SQL the handler runs (the SQL ceiling).
 *
 * The service calls mirror the controllers (src/modules/{pipeline,forecast,coaching}/*.controller.ts):
 * the query DTO is built by the application's own validation pipe from the path's query string,
 * once, and the call is what the handler's body does with it. Change both together.
 */
import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CoachingInsightsService } from '../src/modules/coaching/coaching-insights.service';
import { CoachingPeriodQueryDto, PerformanceQueryDto } from '../src/modules/coaching/coaching.dto';
import { CoachingService } from '../src/modules/coaching/coaching.service';
import { ClockService } from '../src/modules/forecast/clock.service';
import { ForecastChangesService } from '../src/modules/forecast/forecast-changes.service';
import {
  ForecastChangesQueryDto,
  ForecastScopeQueryDto,
  ForecastTrendsQueryDto,
} from '../src/modules/forecast/forecast.dto';
import { ForecastService } from '../src/modules/forecast/forecast.service';
import { HygieneService } from '../src/modules/pipeline/hygiene.service';
import { PipelineQueryService } from '../src/modules/pipeline/pipeline-query.service';
import { FACTORS } from '../src/modules/pipeline/pipeline-settings.service';
import {
  DealListQueryDto,
  HealthQueryDto,
  HygieneQueryDto,
} from '../src/modules/pipeline/pipeline.dto';
import { createValidationPipe } from '../src/platform/http/validation.pipe';
import type { BenchData } from './bench-data';

export interface Query {
  sql: string;
  params: unknown[];
}

export interface BenchRoute {
  name: string;
  /** Path and query string, as a client requests it. */
  path: string;
  /** The controller's service call, arguments built. */
  service: () => Promise<unknown>;
  /** The handler's SQL in the order it runs it (inner arrays run in parallel); pipeline routes only. */
  sql?: Query[][];
}

/** The query DTO the validation pipe builds for `path`'s query string, as for a request. */
async function queryDto<T extends object>(metatype: Type<T>, path: string): Promise<T> {
  const query = Object.fromEntries(new URL(path, 'http://bench').searchParams);
  return (await createValidationPipe().transform(query, { type: 'query', metatype })) as T;
}

/** The pipeline's health columns (pipeline-query.service.ts HEALTH_COLUMNS). */
const HEALTH_COLUMNS = `d.health_score, d.health_status, d.days_in_stage, d.stage_median_days, d.days_since_activity,
  d.last_activity_at, d.recent_activities, d.engagement_norm, d.engaged_contacts, d.contacts_norm, d.close_date_pushes,
  d.next_step_missing, d.computed_at, s.engagement_window_days, ${FACTORS.map((f) => `d.${f}::float8 AS ${f}, d.points_${f}`).join(', ')}`;

function pipelineRoutes(
  app: NestFastifyApplication,
  ws: string,
  data: BenchData,
  dtos: { health: HealthQueryDto; critical: DealListQueryDto; hygiene: HygieneQueryDto },
  paths: { health: string; critical: string; detail: string; hygiene: string },
): BenchRoute[] {
  const query = app.get(PipelineQueryService);
  const hygiene = app.get(HygieneService);
  const criticalWhere = `d.workspace_id = $1 AND d.deal_status = $2 AND d.health_status = $3`;
  const criticalOrder = `d.amount DESC NULLS LAST, d.opportunity_id`;
  return [
    {
      name: 'GET /v1/pipeline/health',
      path: paths.health,
      service: () => query.summary(ws, dtos.health),
      sql: [
        [
          {
            sql: `SELECT d.health_status, sum(d.deals)::int AS n, sum(d.amount)::text AS amount, sum(d.score_sum)::text AS score_sum,
                         (SELECT recomputed_at FROM pipeline_settings WHERE workspace_id = $1) AS recomputed_at
                    FROM pipeline_rollups d WHERE d.workspace_id = $1 AND d.deal_status = 'open' GROUP BY d.health_status`,
            params: [ws],
          },
        ],
      ],
    },
    {
      name: 'GET /v1/pipeline/deals?health=critical&limit=50',
      path: paths.critical,
      service: () => query.list(ws, dtos.critical),
      sql: [
        [
          {
            sql: `SELECT d.opportunity_id, o.external_id AS crm_id, o.name, a.name AS account_name, u.name AS owner_name,
                         d.amount::text AS amount, d.stage, to_char(d.close_date, 'YYYY-MM-DD') AS close_date,
                         d.probability::float8 AS probability, ${HEALTH_COLUMNS}
                    FROM (SELECT d.* FROM pipeline_deals d WHERE ${criticalWhere} ORDER BY ${criticalOrder} LIMIT $4 OFFSET $5) d
                    JOIN opportunities o ON o.workspace_id = d.workspace_id AND o.id = d.opportunity_id
                    LEFT JOIN accounts a ON a.workspace_id = d.workspace_id AND a.id = o.account_id
                    LEFT JOIN crm_users u ON u.workspace_id = d.workspace_id AND u.id = d.owner_id
                    LEFT JOIN pipeline_settings s ON s.workspace_id = d.workspace_id
                   ORDER BY ${criticalOrder}`,
            params: [ws, 'open', 'critical', 50, 0],
          },
          {
            sql: `SELECT COALESCE(sum(d.deals), 0)::int AS total FROM pipeline_rollups d WHERE ${criticalWhere}`,
            params: [ws, 'open', 'critical'],
          },
        ],
      ],
    },
    {
      name: 'GET /v1/pipeline/deals/{id}',
      path: paths.detail,
      service: () => query.detail(ws, data.openDealId),
      sql: [
        [
          {
            sql: `SELECT o.id AS opportunity_id, o.external_id AS crm_id, o.name, o.account_id, a.name AS account_name, o.owner_id,
                         u.name AS owner_name, o.amount::text AS amount, o.currency, o.stage, o.status, o.probability::float8 AS probability,
                         to_char(o.close_date, 'YYYY-MM-DD') AS close_date, to_char(o.created_date, 'YYYY-MM-DD') AS created_date,
                         o.next_step, ${HEALTH_COLUMNS}
                    FROM opportunities o
                    LEFT JOIN accounts a ON a.workspace_id = o.workspace_id AND a.id = o.account_id
                    LEFT JOIN crm_users u ON u.workspace_id = o.workspace_id AND u.id = o.owner_id
                    LEFT JOIN pipeline_deals d ON d.workspace_id = o.workspace_id AND d.opportunity_id = o.id
                    LEFT JOIN pipeline_settings s ON s.workspace_id = o.workspace_id
                   WHERE o.workspace_id = $1 AND o.id = $2 AND o.deleted_at IS NULL`,
            params: [ws, data.openDealId],
          },
        ],
        [
          {
            sql: `SELECT count(*)::int AS total, count(*) FILTER (WHERE occurred_at > $3::timestamptz - interval '7 days')::int AS last_7_days,
                         to_char(max(occurred_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS last_activity_date
                    FROM activities WHERE workspace_id = $1 AND opportunity_id = $2 AND deleted_at IS NULL AND occurred_at <= $3`,
            params: [ws, data.openDealId, new Date()],
          },
        ],
        [
          {
            sql: `SELECT c.id AS contact_id, btrim(concat_ws(' ', c.first_name, c.last_name)) AS name, c.title, oc.role, oc.is_primary
                    FROM opportunity_contacts oc JOIN contacts c ON c.workspace_id = oc.workspace_id AND c.id = oc.contact_id
                   WHERE oc.workspace_id = $1 AND oc.opportunity_id = $2 AND oc.deleted_at IS NULL AND c.deleted_at IS NULL
                   ORDER BY oc.is_primary DESC, name, c.id`,
            params: [ws, data.openDealId],
          },
        ],
      ],
    },
    {
      name: 'GET /v1/pipeline/hygiene',
      path: paths.hygiene,
      service: () => hygiene.list(ws, dtos.hygiene),
      sql: [
        [
          {
            sql: `SELECT COALESCE(sum(al.alerts), 0)::int AS total_alerts,
                         COALESCE(sum(al.alerts) FILTER (WHERE al.severity = 'critical'), 0)::int AS critical,
                         COALESCE(sum(al.alerts) FILTER (WHERE al.severity = 'warning'), 0)::int AS warning
                    FROM pipeline_alert_counts al WHERE al.workspace_id = $1`,
            params: [ws],
          },
          {
            sql: `SELECT al.id AS alert_id, al.opportunity_id, o.external_id AS crm_id, o.name AS opportunity_name, al.alert_type,
                         al.severity, al.message, al.amount::text AS amount, u.name AS owner_name, al.triggered_at
                    FROM (SELECT al.* FROM pipeline_alerts al WHERE al.workspace_id = $1 AND al.status = 'triggered'
                           ORDER BY al.severity = 'critical' DESC, al.amount DESC NULLS LAST, al.id LIMIT $2 OFFSET $3) al
                    JOIN opportunities o ON o.workspace_id = al.workspace_id AND o.id = al.opportunity_id
                    LEFT JOIN crm_users u ON u.workspace_id = al.workspace_id AND u.id = al.owner_id
                   ORDER BY al.severity = 'critical' DESC, al.amount DESC NULLS LAST, al.id`,
            params: [ws, 50, 0],
          },
        ],
      ],
    },
  ];
}

/** Every measured route, in order: the pipeline's four, then the forecast and coaching list. */
export async function benchRoutes(
  app: NestFastifyApplication,
  ws: string,
  data: BenchData,
): Promise<BenchRoute[]> {
  const paths = {
    health: '/v1/pipeline/health',
    critical: '/v1/pipeline/deals?health=critical&limit=50',
    detail: `/v1/pipeline/deals/${data.openDealId}`,
    hygiene: '/v1/pipeline/hygiene',
  };
  const routes = pipelineRoutes(
    app,
    ws,
    data,
    {
      health: await queryDto(HealthQueryDto, paths.health),
      critical: await queryDto(DealListQueryDto, paths.critical),
      hygiene: await queryDto(HygieneQueryDto, paths.hygiene),
    },
    paths,
  );

  const forecast = app.get(ForecastService);
  const changes = app.get(ForecastChangesService);
  const coaching = app.get(CoachingService);
  const insights = app.get(CoachingInsightsService);
  const clock = app.get(ClockService);
  const asOf = `as_of=${data.asOf}`;
  const rep = data.repIds[0];
  const manager = data.managerIds[0];
  const scope = (q: ForecastScopeQueryDto) => ({ ownerId: q.owner_id, segment: q.segment });

  // ForecastController.summary / trends / changes
  const summary = async (name: string, path: string): Promise<BenchRoute> => {
    const q = await queryDto(ForecastScopeQueryDto, path);
    return {
      name,
      path,
      service: () => forecast.summary(ws, q.period, scope(q), forecast.asOf(q.as_of)),
    };
  };
  const trends = async (name: string, path: string): Promise<BenchRoute> => {
    const q = await queryDto(ForecastTrendsQueryDto, path);
    return {
      name,
      path,
      service: () => forecast.trends(ws, q.period, q.granularity, scope(q), forecast.asOf(q.as_of)),
    };
  };
  const change = async (name: string, path: string): Promise<BenchRoute> => {
    const q = await queryDto(ForecastChangesQueryDto, path);
    return {
      name,
      path,
      service: () =>
        changes.changes(
          ws,
          q.period,
          { from: q.from, to: q.to },
          scope(q),
          forecast.asOf(q.as_of),
          q.limit,
        ),
    };
  };
  // CoachingController.performance / insights
  const performance = async (name: string, path: string): Promise<BenchRoute> => {
    const q = await queryDto(PerformanceQueryDto, path);
    return {
      name,
      path,
      service: () =>
        coaching.performance(
          ws,
          q.period,
          { repId: q.rep_id, managerId: q.manager_id },
          clock.asOf(q.as_of).day,
        ),
    };
  };
  const insight = async (name: string, path: string): Promise<BenchRoute> => {
    const q = await queryDto(CoachingPeriodQueryDto, path);
    return {
      name,
      path,
      service: () => insights.insights(ws, rep, q.period, clock.asOf(q.as_of)),
    };
  };

  routes.push(
    await summary('forecast summary, current quarter', `/v1/forecast/summary?${asOf}`),
    await summary(
      'forecast summary, current year',
      `/v1/forecast/summary?period=current_year&${asOf}`,
    ),
    await summary('forecast summary, one owner', `/v1/forecast/summary?owner_id=${rep}&${asOf}`),
    await summary(
      'forecast summary, one segment',
      `/v1/forecast/summary?segment=${data.segments[0]}&${asOf}`,
    ),
    await trends(
      'forecast trends, current quarter, weekly',
      `/v1/forecast/trends?granularity=weekly&${asOf}`,
    ),
    await trends(
      'forecast trends, current year, daily',
      `/v1/forecast/trends?period=current_year&granularity=daily&${asOf}`,
    ),
    await change('forecast changes, current quarter', `/v1/forecast/changes?${asOf}`),
    await change(
      'forecast changes, next quarter',
      `/v1/forecast/changes?period=next_quarter&${asOf}`,
    ),
    await change('forecast changes, one owner', `/v1/forecast/changes?owner_id=${rep}&${asOf}`),
    await performance('coaching performance, current quarter', `/v1/coaching/performance?${asOf}`),
    await performance(
      'coaching performance, ytd, one manager',
      `/v1/coaching/performance?period=ytd&manager_id=${manager}&${asOf}`,
    ),
    await insight('coaching insights, current quarter', `/v1/coaching/insights/${rep}?${asOf}`),
    await insight(
      'coaching insights, last quarter',
      `/v1/coaching/insights/${rep}?period=last_quarter&${asOf}`,
    ),
  );
  return routes;
}
