/**
 * Runs autocannon in a worker thread, so generating the load does not take event-loop time from
 * the application under test; posts back each successful response's latency and the error count.
 */
import autocannon from 'autocannon';
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadRequest {
  url: string;
  /** Authorization header values (Bearer tokens of many API clients), used in turn. */
  authorizations: string[];
  seconds: number;
  connections: number;
}

export interface LoadResult {
  latencies: number[];
  errors: number;
}

const { url, authorizations, seconds, connections } = workerData as LoadRequest;
const latencies: number[] = [];
let errors = 0;
let next = 0;
const instance = autocannon(
  {
    url,
    connections,
    duration: seconds,
    // Tokens rotate over many API clients: each has its tier's burst budget per minute.
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          headers: {
            ...req.headers,
            authorization: authorizations[next++ % authorizations.length],
          },
        }),
      },
    ],
  },
  (err) => {
    if (err) throw err;
    parentPort!.postMessage({ latencies, errors } satisfies LoadResult);
  },
);
instance.on('response', (_client, statusCode, _bytes, responseTime) => {
  if (statusCode === 200) latencies.push(responseTime);
  else errors++;
});
