import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const VALID_INCOMING = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * Honours a well-formed incoming X-Request-Id, else mints `req_<hex>`. The id is also stored on the
 * raw request so the access logger (pino-http) logs the same id.
 */
export function requestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  const id =
    typeof incoming === 'string' && VALID_INCOMING.test(incoming)
      ? incoming
      : // randomUUID draws from a cached entropy pool (randomBytes is a system call per request):
        // its first 24 hex digits hold 90 random bits (the version digit and two variant bits are fixed).
        `req_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  (req as IncomingMessage & { id?: string }).id = id;
  return id;
}
