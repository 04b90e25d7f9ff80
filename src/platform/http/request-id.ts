import { randomBytes } from 'node:crypto';
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
      : `req_${randomBytes(12).toString('hex')}`;
  (req as IncomingMessage & { id?: string }).id = id;
  return id;
}
