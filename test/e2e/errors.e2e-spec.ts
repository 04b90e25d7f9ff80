import { Body, Controller, Get, Module, Post, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { createClient, startTestApp, TestApp, TestClient } from '../support/test-app';

class ProbeQuery {
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(100)
  @IsInt()
  limit?: number;
}

class ProbeBody {
  @MaxLength(50)
  @IsString()
  name: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  close_date?: string;
}

@Controller('test-errors')
class ProbeController {
  @Get()
  list(@Query() q: ProbeQuery) {
    return { limit: q.limit ?? null };
  }

  @Post()
  create(@Body() body: ProbeBody) {
    return body;
  }

  @Get('boom')
  boom(): never {
    throw new Error('secret internal detail');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('The error envelope and malformed input', () => {
  let t: TestApp;
  let client: TestClient;

  beforeAll(async () => {
    t = await startTestApp({ modules: [ProbeModule] });
    client = await createClient(t);
  });
  afterAll(() => t.close());

  const api = () => ({
    get: (path: string) => t.http().get(path).set('X-API-Key', client.apiKey),
    post: (path: string) => t.http().post(path).set('X-API-Key', client.apiKey),
  });

  const expectEnvelope = (
    res: { status: number; body: Record<string, unknown>; headers: Record<string, string> },
    status: number,
    code: string,
  ) => {
    expect(res.status).toBe(status);
    expect(res.body).toEqual({
      error: { code, message: expect.any(String), details: expect.any(Array) },
      meta: { request_id: res.headers['x-request-id'], timestamp: expect.any(String) },
    });
  };

  it('wraps success in {data, meta} with the request id', async () => {
    const res = await api().get('/v1/test-errors?limit=5');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: { limit: 5 },
      meta: { request_id: res.headers['x-request-id'], timestamp: expect.any(String) },
    });
    expect(new Date(res.body.meta.timestamp).toISOString()).toBe(res.body.meta.timestamp);
  });

  it('honours and echoes a well-formed X-Request-Id, and replaces a malformed one', async () => {
    const mine = await api().get('/v1/test-errors').set('X-Request-Id', 'trace-42.abc');
    expect(mine.headers['x-request-id']).toBe('trace-42.abc');
    expect(mine.body.meta.request_id).toBe('trace-42.abc');
    const bad = await api().get('/v1/test-errors').set('X-Request-Id', 'x'.repeat(300));
    expect(bad.headers['x-request-id']).toMatch(/^req_[0-9a-f]{24}$/);
  });

  it('lists each invalid field as {field, message}', async () => {
    const res = await api().post('/v1/test-errors').send({ name: 42, close_date: '15/01/2024' });
    expectEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(res.body.error.details).toEqual([
      { field: 'name', message: 'name must be a string' },
      { field: 'close_date', message: expect.stringContaining('ISO 8601') },
    ]);
  });

  it('refuses unknown query parameters and body properties', async () => {
    const query = await api().get('/v1/test-errors?limit=5&colour=blue');
    expectEnvelope(query, 400, 'VALIDATION_ERROR');
    expect(query.body.error.details).toEqual([
      { field: 'colour', message: 'unknown parameter colour' },
    ]);
    const noDto = await api().get('/v1/workspace?expand=all');
    expectEnvelope(noDto, 400, 'VALIDATION_ERROR');
    expect(noDto.body.error.details).toEqual([
      { field: 'expand', message: 'unknown parameter expand' },
    ]);
    const body = await api().post('/v1/test-errors').send({ name: 'a', is_admin: true });
    expectEnvelope(body, 400, 'VALIDATION_ERROR');
  });

  it('refuses wrong types and out-of-range numbers', async () => {
    expectEnvelope(await api().get('/v1/test-errors?limit=abc'), 400, 'VALIDATION_ERROR');
    expectEnvelope(await api().get('/v1/test-errors?limit=101'), 400, 'VALIDATION_ERROR');
    expectEnvelope(await api().get('/v1/test-errors?limit=1&limit=2'), 400, 'VALIDATION_ERROR');
  });

  it('answers malformed JSON, an empty JSON body and a JSON array with 400', async () => {
    expectEnvelope(
      await api().post('/v1/test-errors').set('Content-Type', 'application/json').send('{"name": '),
      400,
      'VALIDATION_ERROR',
    );
    expectEnvelope(
      await api().post('/v1/test-errors').set('Content-Type', 'application/json').send(''),
      400,
      'VALIDATION_ERROR',
    );
    expectEnvelope(await api().post('/v1/test-errors').send([1, 2]), 400, 'VALIDATION_ERROR');
  });

  it('answers a wrong content type with 415', async () => {
    expectEnvelope(
      await api().post('/v1/test-errors').set('Content-Type', 'text/plain').send('name=a'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectEnvelope(
      await api().post('/v1/test-errors').set('Content-Type', 'application/xml').send('<a/>'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('answers a 2 MB body with 413', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
    expectEnvelope(
      await api().post('/v1/test-errors').set('Content-Type', 'application/json').send(big),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('answers unknown routes and methods with 404 in the envelope, with or without credentials', async () => {
    expectEnvelope(await api().get('/v1/no-such-thing'), 404, 'NOT_FOUND');
    expectEnvelope(await t.http().get('/no-such-thing'), 404, 'NOT_FOUND');
    expectEnvelope(await api().post('/v1/test-errors/boom').send({}), 404, 'NOT_FOUND');
  });

  it('hides internal errors behind SERVER_ERROR', async () => {
    const res = await api().get('/v1/test-errors/boom');
    expectEnvelope(res, 500, 'SERVER_ERROR');
    expect(JSON.stringify(res.body)).not.toContain('secret internal detail');
  });

  it('never answers 500 to a battery of malformed requests', async () => {
    const requests = [
      api().get('/v1/test-errors?limit=%00'),
      api().get('/v1/test-errors?limit[]=1'),
      api().get('/v1/test-errors?%E0%A4%A=1'),
      api()
        .post('/v1/test-errors')
        .set('Content-Type', 'application/json')
        .send('{"__proto__": {"x": 1}}'),
      api().post('/v1/test-errors').set('Content-Type', 'application/json').send('null'),
      api().post('/v1/test-errors').set('Content-Type', 'application/json').send('"just a string"'),
      api()
        .post('/v1/test-errors')
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send('name=a&name=b'),
      api().get('/v1/api-keys/not-a-uuid'),
      api().get('/v1/api-keys?limit=-1&offset=x'),
      t.http().post('/oauth/token').set('Content-Type', 'application/json').send('{oops'),
      t
        .http()
        .post('/oauth/token')
        .send({ grant_type: ['client_credentials'] }),
    ];
    for (const res of await Promise.all(requests)) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.error.code).toEqual(expect.any(String));
    }
  });
});
