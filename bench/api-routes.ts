/**
 * The routes `npm run bench:api` measures, on the data set of bench/bench-data.ts. For each: its
 * path (analytics routes pin `as_of` to the data set's day), the service method its controller
 * calls with the arguments the controller would build (the in-process ceiling), and for the
 * pipeline routes the SQL the handler runs, built by the functions the services use (the SQL
 * ceiling; summaryQuery, listQuery, detailQueries, hygieneQueries), so it cannot drift.
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
import { hygieneQueries, HygieneService } from '../src/modules/pipeline/hygiene.service';
import { PipelineClock } from '../src/modules/pipeline/pipeline-clock';
import {
  detailQueries,
  listQuery,
  PipelineQueryService,
  summaryQuery,
} from '../src/modules/pipeline/pipeline-query.service';
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
  /** For a route with a response cache: its computation without the cache (timed alone). */
  uncached?: () => Promise<unknown>;
  /** The handler's SQL in the order it runs it (inner arrays run in parallel); pipeline routes only. */
  sql?: Query[][];
}

/** The query DTO the validation pipe builds for `path`'s query string, as for a request. */
async function queryDto<T extends object>(metatype: Type<T>, path: string): Promise<T> {
  const query = Object.fromEntries(new URL(path, 'http://bench').searchParams);
  return (await createValidationPipe().transform(query, { type: 'query', metatype })) as T;
}

function pipelineRoutes(
  app: NestFastifyApplication,
  ws: string,
  data: BenchData,
  dtos: { health: HealthQueryDto; critical: DealListQueryDto; hygiene: HygieneQueryDto },
  paths: { health: string; critical: string; detail: string; hygiene: string },
): BenchRoute[] {
  const query = app.get(PipelineQueryService);
  const hygiene = app.get(HygieneService);
  return [
    {
      name: 'GET /v1/pipeline/health',
      path: paths.health,
      service: () => query.summary(ws, dtos.health),
      uncached: () => query.computeSummary(ws, dtos.health),
      sql: [[summaryQuery(ws, dtos.health)]],
    },
    {
      name: 'GET /v1/pipeline/deals?health=critical&limit=50',
      path: paths.critical,
      service: () => query.list(ws, dtos.critical),
      uncached: () => query.computeList(ws, dtos.critical),
      sql: [[listQuery(ws, dtos.critical)]],
    },
    {
      name: 'GET /v1/pipeline/deals/{id}',
      path: paths.detail,
      service: () => query.detail(ws, data.openDealId),
      sql: [detailQueries(ws, data.openDealId, app.get(PipelineClock).now())],
    },
    {
      name: 'GET /v1/pipeline/hygiene',
      path: paths.hygiene,
      service: () => hygiene.list(ws, dtos.hygiene),
      sql: [hygieneQueries(ws, dtos.hygiene)],
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
      uncached: () => forecast.computeSummary(ws, q.period, scope(q), forecast.asOf(q.as_of).day),
    };
  };
  const trends = async (name: string, path: string): Promise<BenchRoute> => {
    const q = await queryDto(ForecastTrendsQueryDto, path);
    return {
      name,
      path,
      service: () => forecast.trends(ws, q.period, q.granularity, scope(q), forecast.asOf(q.as_of)),
      uncached: () =>
        forecast.computeTrends(ws, q.period, q.granularity, scope(q), forecast.asOf(q.as_of).day),
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
      uncached: () =>
        changes.compute(
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
    const answer = (
      method: (...a: Parameters<CoachingService['performance']>) => Promise<unknown>,
    ) =>
      method(ws, q.period, { repId: q.rep_id, managerId: q.manager_id }, clock.asOf(q.as_of).day);
    return {
      name,
      path,
      service: () => answer(coaching.performance.bind(coaching)),
      uncached: () => answer(coaching.computePerformance.bind(coaching)),
    };
  };
  const insight = async (name: string, path: string): Promise<BenchRoute> => {
    const q = await queryDto(CoachingPeriodQueryDto, path);
    return {
      name,
      path,
      service: () => insights.insights(ws, rep, q.period, clock.asOf(q.as_of)),
      uncached: () => insights.computeInsights(ws, rep, q.period, clock.asOf(q.as_of).day),
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
