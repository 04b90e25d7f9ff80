import { Controller, Get, Module } from '@nestjs/common';
import { generateKeyPairSync } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { RequireScope, RequireTier } from '../../src/platform/auth/auth.decorators';
import { SigningKeyService } from '../../src/platform/auth/signing-key.service';
import { createClient, startTestApp, TestApp, TestClient } from '../support/test-app';

@Controller('test-auth')
class ProbeController {
  @Get('read')
  read() {
    return { ok: true };
  }

  @Get('admin')
  @RequireScope('admin')
  admin() {
    return { ok: true };
  }

  @Get('enterprise')
  @RequireTier('enterprise')
  enterprise() {
    return { ok: true };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

/** The same key with its last character changed (to a different one, whatever it was). */
const tamper = (key: string) => key.slice(0, -1) + (key.endsWith('x') ? 'y' : 'x');

describe('Authentication and authorization', () => {
  let t: TestApp;
  let client: TestClient;

  beforeAll(async () => {
    t = await startTestApp({ modules: [ProbeModule] });
    client = await createClient(t, { tier: 'enterprise' });
  });
  afterAll(() => t.close());

  const expect401 = (
    res: { status: number; body: { error: { code: string; message: string } } },
    message: RegExp,
  ) => {
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    expect(res.body.error.message).toMatch(message);
  };

  it('issues a bearer token for form-encoded client credentials that opens a protected route', async () => {
    const res = await t.http().post('/oauth/token').type('form').send({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'read write admin',
    });
    const header = JSON.parse(
      Buffer.from(res.body.access_token.split('.')[0], 'base64url').toString(),
    );
    expect(header.alg).toBe('ES256');

    const ok = await t
      .http()
      .get('/v1/test-auth/read')
      .set('Authorization', `Bearer ${res.body.access_token}`);
    expect(ok.status).toBe(200);
    expect(ok.body.data).toEqual({ ok: true });
  });

  it('accepts JSON bodies and HTTP Basic client authentication', async () => {
    const json = await t.http().post('/oauth/token').send({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
    });
    expect(json.status).toBe(200);
    const basic = await t
      .http()
      .post('/oauth/token')
      .auth(client.clientId, client.clientSecret)
      .type('form')
      .send({ grant_type: 'client_credentials' });
    expect(basic.status).toBe(200);
  });

  it('accepts an API key', async () => {
    const res = await t.http().get('/v1/test-auth/read').set('X-API-Key', client.apiKey);
    expect(res.status).toBe(200);
  });

  it('refuses a wrong secret, an unknown client and a wrong grant', async () => {
    expect401(
      await t.http().post('/oauth/token').type('form').send({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: 'nope',
      }),
      /Invalid client credentials/,
    );
    expect401(
      await t.http().post('/oauth/token').type('form').send({
        grant_type: 'client_credentials',
        client_id: 'rhc_unknown',
        client_secret: client.clientSecret,
      }),
      /Invalid client credentials/,
    );
    const grant = await t.http().post('/oauth/token').type('form').send({
      grant_type: 'password',
      client_id: client.clientId,
      client_secret: client.clientSecret,
    });
    expect(grant.status).toBe(400);
    expect(grant.body.error.details).toEqual([
      { field: 'grant_type', message: 'grant_type must be client_credentials' },
    ]);
  });

  it('gets 401 without credentials, with a malformed header, and with a bad API key', async () => {
    expect401(await t.http().get('/v1/test-auth/read'), /Missing credentials/);
    expect401(
      await t.http().get('/v1/test-auth/read').set('Authorization', 'Token abc'),
      /must be "Bearer/,
    );
    expect401(
      await t.http().get('/v1/test-auth/read').set('Authorization', 'Bearer not.a.jwt'),
      /Invalid access token/,
    );
    expect401(
      await t.http().get('/v1/test-auth/read').set('X-API-Key', tamper(client.apiKey)),
      /Invalid API key/,
    );
    const res = await t.http().get('/v1/test-auth/read');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body.meta.request_id).toMatch(/^req_/);
  });

  it('gets 401 for an expired token', async () => {
    const { kid, privateKeyPem } = t.app.get(SigningKeyService).signingKey;
    const now = Math.floor(Date.now() / 1000);
    const token = sign(
      {
        sub: client.clientId,
        cid: 'x',
        wid: client.workspaceId,
        tier: 'enterprise',
        scope: 'read',
        jti: '1',
        iat: now - 7200,
        exp: now - 3600,
      },
      privateKeyPem,
      {
        algorithm: 'ES256',
        keyid: kid,
        issuer: t.config.JWT_ISSUER,
        audience: t.config.JWT_AUDIENCE,
      },
    );
    expect401(
      await t.http().get('/v1/test-auth/read').set('Authorization', `Bearer ${token}`),
      /expired/,
    );
  });

  it('gets 401 for a token signed by another key, even one that claims our kid', async () => {
    const { kid } = t.app.get(SigningKeyService).signingKey;
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const claims = {
      sub: client.clientId,
      cid: 'x',
      wid: client.workspaceId,
      tier: 'enterprise',
      scope: 'read write admin',
      jti: '1',
    };
    const opts = {
      algorithm: 'ES256' as const,
      issuer: t.config.JWT_ISSUER,
      audience: t.config.JWT_AUDIENCE,
      expiresIn: 600,
    };
    const forged = sign(claims, privateKey, { ...opts, keyid: kid });
    const unknownKid = sign(claims, privateKey, { ...opts, keyid: 'someone-elses-key' });
    const hs256 = sign(claims, 'shared-secret', { ...opts, algorithm: 'HS256', keyid: kid });
    expect401(
      await t.http().get('/v1/test-auth/read').set('Authorization', `Bearer ${forged}`),
      /Invalid access token/,
    );
    expect401(
      await t.http().get('/v1/test-auth/read').set('Authorization', `Bearer ${unknownKid}`),
      /Invalid access token/,
    );
    expect401(
      await t.http().get('/v1/test-auth/read').set('Authorization', `Bearer ${hs256}`),
      /Invalid access token/,
    );
  });

  it('gets 403 when the token lacks the route scope, and tokens can be narrowed', async () => {
    const readOnly = await client.token('read');
    const res = await t
      .http()
      .get('/v1/test-auth/admin')
      .set('Authorization', `Bearer ${readOnly}`);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect(res.body.error.message).toMatch(/'admin' scope/);
    expect(
      (await t.http().get('/v1/test-auth/read').set('Authorization', `Bearer ${readOnly}`)).status,
    ).toBe(200);
    expect(
      (
        await t
          .http()
          .get('/v1/test-auth/admin')
          .set('Authorization', `Bearer ${await client.token()}`)
      ).status,
    ).toBe(200);
  });

  it('refuses a scope the client does not hold', async () => {
    const limited = await createClient(t, { scopes: ['read'] });
    const res = await t.http().post('/oauth/token').type('form').send({
      grant_type: 'client_credentials',
      client_id: limited.clientId,
      client_secret: limited.clientSecret,
      scope: 'read admin',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('scope');
  });

  it('checks the tier declared on a route', async () => {
    const growth = await createClient(t, { tier: 'growth' });
    const denied = await t.http().get('/v1/test-auth/enterprise').set('X-API-Key', growth.apiKey);
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toMatch(/enterprise tier/);
    expect(
      (await t.http().get('/v1/test-auth/enterprise').set('X-API-Key', client.apiKey)).status,
    ).toBe(200);
  });

  it('stops a revoked API key at once', async () => {
    const other = await createClient(t);
    const token = await other.token();
    const list = await t.http().get('/v1/api-keys').set('Authorization', `Bearer ${token}`);
    const keyId = list.body.data.api_keys[0].id;
    expect(
      (await t.http().delete(`/v1/api-keys/${keyId}`).set('Authorization', `Bearer ${token}`))
        .status,
    ).toBe(200);
    expect401(
      await t.http().get('/v1/test-auth/read').set('X-API-Key', other.apiKey),
      /Invalid API key/,
    );
  });

  it('publishes its public keys as a JWK set', async () => {
    const res = await t.http().get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.body.keys[0]).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      kid: t.app.get(SigningKeyService).signingKey.kid,
    });
  });
});
