import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signatures of an outbound webhook request. One secret keys two schemes so that both the
 * API document's `verify_webhook` (Python, `X-RevOps-Signature`) and the off-the-shelf Standard
 * Webhooks verifiers (https://www.standardwebhooks.com) work for the receiver.
 *
 * Everything here signs the exact raw body bytes that go on the wire: re-serialising the JSON
 * on either side would change the bytes and break the signature.
 */

const WHSEC_PREFIX = 'whsec_';
// Canonical padded base64 only: Buffer.from(_, 'base64') silently skips bad characters, which
// would give us a different key from the one a Standard Webhooks library derives.
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * `sha256=<hex HMAC-SHA256>` keyed with the secret's UTF-8 bytes, even for a `whsec_` secret,
 * because the API document's `verify_webhook` does `secret.encode()` with the string the
 * customer holds.
 */
export function revopsSignature(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(rawBody).digest('hex')}`;
}

/**
 * True when `secret` can key both schemes: non-empty and, for a `whsec_` secret, canonical
 * base64 of at least one byte. Registration should refuse other secrets rather than let every
 * delivery of the endpoint fail later.
 */
export function isValidWebhookSecret(secret: string): boolean {
  if (!secret.startsWith(WHSEC_PREFIX)) return secret.length > 0;
  const encoded = secret.slice(WHSEC_PREFIX.length);
  return encoded.length > 0 && CANONICAL_BASE64.test(encoded);
}

/** The Standard Webhooks key: the decoded bytes of a `whsec_` secret, else its UTF-8 bytes. */
function standardWebhookKey(secret: string): Buffer {
  if (!secret.startsWith(WHSEC_PREFIX)) return Buffer.from(secret, 'utf8');
  if (!isValidWebhookSecret(secret)) {
    throw new TypeError('webhook secret starting with whsec_ is not valid base64');
  }
  return Buffer.from(secret.slice(WHSEC_PREFIX.length), 'base64');
}

function assertTimestamp(timestampSeconds: number): void {
  // A fraction or an exponent would sign a string no receiver reconstructs from the header.
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError(`webhook timestamp must be whole seconds, got ${timestampSeconds}`);
  }
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, as the Standard Webhooks spec defines. */
export function standardWebhookSignature(
  secret: string,
  id: string,
  timestampSeconds: number,
  rawBody: string | Buffer,
): string {
  assertTimestamp(timestampSeconds);
  return signStandard(secret, id, String(timestampSeconds), rawBody);
}

function signStandard(
  secret: string,
  id: string,
  timestamp: string,
  body: string | Buffer,
): string {
  const digest = createHmac('sha256', standardWebhookKey(secret))
    .update(`${id}.${timestamp}.`, 'utf8')
    .update(body)
    .digest('base64');
  return `v1,${digest}`;
}

/** Every signature header of one delivery attempt; `id` stays the same on retries. */
export function signatureHeaders(
  secret: string,
  id: string,
  timestampSeconds: number,
  rawBody: string | Buffer,
): Record<string, string> {
  return {
    'X-RevOps-Signature': revopsSignature(secret, rawBody),
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': standardWebhookSignature(secret, id, timestampSeconds, rawBody),
  };
}

/** `whsec_` + base64 of 32 random bytes: the Standard Webhooks secret format (24-64 bytes). */
export function generateWebhookSecret(): string {
  return `${WHSEC_PREFIX}${randomBytes(32).toString('base64')}`;
}

type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // Lengths are public (every v1 signature is 44 characters), so the early return leaks nothing.
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Verifies Standard Webhooks headers the way a receiver should: the timestamp must be within
 * `toleranceSeconds` of `nowSeconds` (replay protection) and any one of the space-separated
 * signatures must match, so a sender can sign with an old and a new secret during rotation.
 */
export function verifyStandardWebhook(
  secret: string,
  headers: HeaderBag,
  rawBody: string | Buffer,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures || !/^\d{1,15}$/.test(timestamp)) return false;

  const timestampSeconds = Number(timestamp);
  if (Math.abs(nowSeconds - timestampSeconds) > toleranceSeconds) return false;

  // Signed over the header text as received, which is what the sender signed.
  const expected = signStandard(secret, id, timestamp, rawBody);
  let matched = false;
  // No early exit: every candidate costs the same whichever one matches.
  for (const candidate of signatures.split(' ')) {
    if (candidate.startsWith('v1,') && constantTimeEqual(candidate, expected)) matched = true;
  }
  return matched;
}
