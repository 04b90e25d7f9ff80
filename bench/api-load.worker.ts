/**
 * Runs autocannon in a worker thread, so generating the load does not take event-loop time from
 * the application under test; posts back each 2xx response's latency, and every other outcome
 * (status codes, connection errors, timeouts) counted.
 */
import autocannon from 'autocannon';
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadRequest {
  url: string;
  /** Authorization header values (Bearer tokens of the route's API clients), used in turn; none for the bare server. */
  authorizations: string[];
  seconds: number;
  connections: number;
}

export interface LoadResult {
  latencies: number[];
  /** Responses other than 2xx, by status code. */
  statuses: Record<string, number>;
  /** Connection errors, timeouts included (no response at all). */
  errors: number;
}

const { url, authorizations, seconds, connections } = workerData as LoadRequest;
const latencies: number[] = [];
const statuses: Record<string, number> = {};
let next = 0;
const instance = autocannon(
  {
    url,
    connections,
    duration: seconds,
    // The slowest routes take seconds at concurrency 16 on a loaded machine: count, not cut, them.
    timeout: 60,
    requests: [
      {
        setupRequest: (req) =>
          authorizations.length === 0
            ? req
            : {
                ...req,
                headers: {
                  ...req.headers,
                  authorization: authorizations[next++ % authorizations.length],
                },
              },
      },
    ],
  },
  (err, result) => {
    if (err) throw err;
    parentPort!.postMessage({
      latencies,
      statuses,
      errors: result.errors,
    } satisfies LoadResult);
  },
);
instance.on('response', (_client, statusCode, _bytes, responseTime) => {
  if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  else statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
});
