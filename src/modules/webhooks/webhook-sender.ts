import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pinnedLookup } from './webhook-url-guard';

export interface SendResult {
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
  /** Seconds the receiver asked us to wait (Retry-After), when it did. */
  retryAfterSeconds: number | null;
}

const EXCERPT_BYTES = 1024;
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256 });

function retryAfter(value: string | string[] | undefined): number | null {
  if (typeof value !== 'string') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/**
 * POSTs one signed body. Connects only to the addresses the URL guard checked (no second DNS
 * answer can re-point it), never follows redirects, and gives up after `timeoutMs` for the whole
 * exchange. Never throws: every outcome is a result to log.
 */
export function sendWebhook(
  url: URL,
  addresses: string[],
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<SendResult> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number((process.hrtime.bigint() - started) / 1_000_000n);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: elapsed() });
    };
    const https = url.protocol === 'https:';
    const req = (https ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        agent: https ? httpsAgent : httpAgent,
        lookup: pinnedLookup(addresses),
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'RevOps-Hub-Webhooks/1.0',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () =>
          finish({
            statusCode: res.statusCode ?? null,
            responseExcerpt:
              Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8') || null,
            error: null,
            retryAfterSeconds: retryAfter(res.headers['retry-after']),
          }),
        );
        res.on('error', (err) =>
          finish({
            statusCode: res.statusCode ?? null,
            responseExcerpt: null,
            error: err.message,
            retryAfterSeconds: null,
          }),
        );
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({
        statusCode: null,
        responseExcerpt: null,
        error: err.code ? `${err.code}: ${err.message}` : err.message,
        retryAfterSeconds: null,
      }),
    );
    req.end(body);
  });
}
