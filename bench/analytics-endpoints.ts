/**
 * The forecast and coaching routes measured on the analytics bench data set (bench/analytics-data.ts),
 * shared by `npm run bench:analytics` and `npm run bench:api`. Every path pins `as_of` to the
 * data set's day, so each request asks the question the data was generated for.
 */
import { AnalyticsData } from './analytics-data';

export interface BenchEndpoint {
  name: string;
  path: string;
}

export function analyticsEndpoints(data: AnalyticsData): BenchEndpoint[] {
  const asOf = `as_of=${data.asOf}`;
  const rep = data.repIds[0];
  const manager = data.managerIds[0];
  return [
    { name: 'forecast summary, current quarter', path: `/v1/forecast/summary?${asOf}` },
    {
      name: 'forecast summary, current year',
      path: `/v1/forecast/summary?period=current_year&${asOf}`,
    },
    { name: 'forecast summary, one owner', path: `/v1/forecast/summary?owner_id=${rep}&${asOf}` },
    {
      name: 'forecast summary, one segment',
      path: `/v1/forecast/summary?segment=${data.segments[0]}&${asOf}`,
    },
    {
      name: 'forecast trends, current quarter, weekly',
      path: `/v1/forecast/trends?granularity=weekly&${asOf}`,
    },
    {
      name: 'forecast trends, current year, daily',
      path: `/v1/forecast/trends?period=current_year&granularity=daily&${asOf}`,
    },
    { name: 'forecast changes, current quarter', path: `/v1/forecast/changes?${asOf}` },
    {
      name: 'forecast changes, next quarter',
      path: `/v1/forecast/changes?period=next_quarter&${asOf}`,
    },
    { name: 'forecast changes, one owner', path: `/v1/forecast/changes?owner_id=${rep}&${asOf}` },
    { name: 'coaching performance, current quarter', path: `/v1/coaching/performance?${asOf}` },
    {
      name: 'coaching performance, ytd, one manager',
      path: `/v1/coaching/performance?period=ytd&manager_id=${manager}&${asOf}`,
    },
    { name: 'coaching insights, current quarter', path: `/v1/coaching/insights/${rep}?${asOf}` },
    {
      name: 'coaching insights, last quarter',
      path: `/v1/coaching/insights/${rep}?period=last_quarter&${asOf}`,
    },
  ];
}
