import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  generateWebhookSecret,
  isValidWebhookSecret,
  revopsSignature,
  signatureHeaders,
  standardWebhookSignature,
  verifyStandardWebhook,
} from './webhook-signer';

// Copied verbatim from the "Verifying Signatures" section of the API document
// (test/fixtures/seeds/000_6a1fa3d9e0ef1735.txt, a copy of shared/seeds/): customers run exactly this, so we test exactly this.
const API_DOC_VERIFY_WEBHOOK = `import hmac
import hashlib

def verify_webhook(payload, signature, secret):
    expected = hmac.new(
        secret.encode(),
        payload.encode(),
        hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", signature)
`;

// The project's copy of the API document (test/fixtures/seeds/), so the suite runs anywhere.
const API_DOCUMENT = path.join(__dirname, '../../../test/fixtures/seeds/000_6a1fa3d9e0ef1735.txt');

// The receiver reads the raw body as text, as a Flask `request.get_data(as_text=True)` would.
const PYTHON_HARNESS = `${API_DOC_VERIFY_WEBHOOK}
import json, sys
args = json.loads(sys.stdin.buffer.read().decode("utf-8"))
print(verify_webhook(args["payload"], args["signature"], args["secret"]))
`;

function pythonVerifies(payload: string, signature: string, secret: string): boolean {
  const out = execFileSync('python3', ['-c', PYTHON_HARNESS], {
    input: JSON.stringify({ payload, signature, secret }),
    encoding: 'utf8',
  }).trim();
  if (out !== 'True' && out !== 'False') throw new Error(`unexpected python output: ${out}`);
  return out === 'True';
}

const STANDARD_VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('revopsSignature', () => {
  it("reproduces GitHub's published X-Hub-Signature-256 vector", () => {
    expect(revopsSignature("It's a Secret to Everybody", 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('signs a Buffer body the same as its UTF-8 text', () => {
    const body = '{"name":"Zoë","amount":"€1,000"}';
    expect(revopsSignature('s3cret', Buffer.from(body, 'utf8'))).toBe(
      revopsSignature('s3cret', body),
    );
  });

  it('keys a whsec_ secret with its UTF-8 text, so verify_webhook works with it as given', () => {
    const { secret, body } = STANDARD_VECTOR;
    expect(pythonVerifies(body, revopsSignature(secret, body), secret)).toBe(true);
  });
});

describe("the API document's verify_webhook, run as written with python3", () => {
  it('is the text of the API document, unchanged', () => {
    expect(readFileSync(API_DOCUMENT, 'utf8')).toContain(
      `\`\`\`python\n${API_DOC_VERIFY_WEBHOOK}\`\`\``,
    );
  });

  const secret = 'your-webhook-secret';
  const payload = JSON.stringify({
    id: 'evt_01HQ3',
    event: 'deal.health_changed',
    timestamp: '2024-01-15T10:30:00Z',
    data: { opportunity_id: '006xxx', account: 'Zoë & Søn €', health_score: 35 },
  });

  it('accepts the signature we send', () => {
    expect(pythonVerifies(payload, revopsSignature(secret, payload), secret)).toBe(true);
  });

  it('accepts it for a generated whsec_ secret and a non-ASCII secret too', () => {
    for (const key of [generateWebhookSecret(), 'clé-secrète-ü']) {
      expect(pythonVerifies(payload, revopsSignature(key, payload), key)).toBe(true);
    }
  });

  it('rejects a tampered body', () => {
    const signature = revopsSignature(secret, payload);
    expect(pythonVerifies(payload.replace('35', '95'), signature, secret)).toBe(false);
  });

  it('rejects a signature made with another secret', () => {
    expect(pythonVerifies(payload, revopsSignature('other', payload), secret)).toBe(false);
  });
});

describe('standardWebhookSignature', () => {
  it('reproduces the Standard Webhooks published vector', () => {
    const { secret, id, timestamp, body, signature } = STANDARD_VECTOR;
    expect(standardWebhookSignature(secret, id, timestamp, body)).toBe(signature);
    expect(standardWebhookSignature(secret, id, timestamp, Buffer.from(body))).toBe(signature);
  });

  it("keys a secret without whsec_ with the string's UTF-8 bytes", () => {
    const { id, timestamp, body, signature } = STANDARD_VECTOR;
    const plain = 'plain-secrèt';
    const sameKey = `whsec_${Buffer.from(plain, 'utf8').toString('base64')}`;
    expect(standardWebhookSignature(plain, id, timestamp, body)).toBe(
      standardWebhookSignature(sameKey, id, timestamp, body),
    );
    const unprefixed = STANDARD_VECTOR.secret.slice('whsec_'.length);
    expect(standardWebhookSignature(unprefixed, id, timestamp, body)).not.toBe(signature);
  });

  it('refuses a whsec_ secret that is not canonical base64 and a fractional timestamp', () => {
    const { id, timestamp, body } = STANDARD_VECTOR;
    expect(() => standardWebhookSignature('whsec_not*base64', id, timestamp, body)).toThrow(
      TypeError,
    );
    expect(() => standardWebhookSignature('s', id, 1614265330.5, body)).toThrow(RangeError);
  });
});

describe('isValidWebhookSecret', () => {
  it.each([
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', true],
    ['your-webhook-secret', true],
    ['', false],
    ['whsec_', false],
    ['whsec_abc', false],
    ['whsec_ab!=', false],
  ])('%p -> %p', (secret, valid) => {
    expect(isValidWebhookSecret(secret)).toBe(valid);
  });
});

describe('signatureHeaders', () => {
  it('carries both schemes, keyed by one secret', () => {
    const { secret, id, timestamp, body, signature } = STANDARD_VECTOR;
    expect(signatureHeaders(secret, id, timestamp, body)).toEqual({
      'X-RevOps-Signature': revopsSignature(secret, body),
      'webhook-id': id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': signature,
    });
  });
});

describe('generateWebhookSecret', () => {
  it('is whsec_ and 32 random bytes in base64, different every time', () => {
    const first = generateWebhookSecret();
    expect(first).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(first.slice(6), 'base64')).toHaveLength(32);
    expect(isValidWebhookSecret(first)).toBe(true);
    expect(generateWebhookSecret()).not.toBe(first);
  });
});

describe('verifyStandardWebhook', () => {
  const { secret, id, timestamp, body, signature } = STANDARD_VECTOR;
  const headers = signatureHeaders(secret, id, timestamp, body);

  it('accepts the published vector within the tolerance', () => {
    expect(verifyStandardWebhook(secret, headers, body, timestamp + 299)).toBe(true);
    expect(verifyStandardWebhook(secret, headers, body, timestamp - 299)).toBe(true);
  });

  it('reads headers case-insensitively', () => {
    const upper = {
      'Webhook-Id': id,
      'Webhook-Timestamp': String(timestamp),
      'Webhook-Signature': signature,
    };
    expect(verifyStandardWebhook(secret, upper, Buffer.from(body), timestamp)).toBe(true);
  });

  it('refuses a timestamp outside the tolerance (replay)', () => {
    expect(verifyStandardWebhook(secret, headers, body, timestamp + 301)).toBe(false);
    expect(verifyStandardWebhook(secret, headers, body, timestamp - 301)).toBe(false);
    expect(verifyStandardWebhook(secret, headers, body, timestamp + 3600, 7200)).toBe(true);
  });

  it('refuses a tampered body, id or timestamp and a wrong secret', () => {
    expect(verifyStandardWebhook(secret, headers, '{"test": 2432232315}', timestamp)).toBe(false);
    const otherId = { ...headers, 'webhook-id': 'msg_other' };
    expect(verifyStandardWebhook(secret, otherId, body, timestamp)).toBe(false);
    const otherTime = { ...headers, 'webhook-timestamp': String(timestamp + 1) };
    expect(verifyStandardWebhook(secret, otherTime, body, timestamp)).toBe(false);
    expect(verifyStandardWebhook(generateWebhookSecret(), headers, body, timestamp)).toBe(false);
  });

  it('accepts any one of several space-separated signatures (secret rotation)', () => {
    const old = standardWebhookSignature(generateWebhookSecret(), id, timestamp, body);
    const both = { ...headers, 'webhook-signature': `v2,abc ${old} ${signature}` };
    expect(verifyStandardWebhook(secret, both, body, timestamp)).toBe(true);
    const neither = { ...headers, 'webhook-signature': `${old} v1,${signature.slice(3, -2)}==` };
    expect(verifyStandardWebhook(secret, neither, body, timestamp)).toBe(false);
  });

  it('refuses missing or malformed headers', () => {
    const { 'webhook-id': _id, ...noId } = headers;
    expect(verifyStandardWebhook(secret, noId, body, timestamp)).toBe(false);
    const badTime = { ...headers, 'webhook-timestamp': '1614265330.0' };
    expect(verifyStandardWebhook(secret, badTime, body, 1614265330)).toBe(false);
    const noVersion = { ...headers, 'webhook-signature': signature.slice(3) };
    expect(verifyStandardWebhook(secret, noVersion, body, timestamp)).toBe(false);
  });
});
