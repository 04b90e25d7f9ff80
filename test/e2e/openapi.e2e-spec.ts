import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3 } from 'openapi-types';
import { startTestApp, TestApp } from '../support/test-app';

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenAPIV3.Document;

  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.http().get('/docs-json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(() => t.close());

  it('is a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it('gives every operation a response schema, and every /v1 operation its errors', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      (['get', 'post', 'put', 'patch', 'delete'] as const)
        .filter((m) => item?.[m])
        .map((m) => ({ path, method: m, op: item![m]! })),
    );
    expect(operations.length).toBeGreaterThan(0);
    for (const { path, method, op } of operations) {
      const responses = Object.entries(op.responses ?? {});
      expect({ path, method, count: responses.length }).toEqual({
        path,
        method,
        count: expect.any(Number),
      });
      for (const [status, response] of responses) {
        const schema = (response as OpenAPIV3.ResponseObject).content?.['application/json']?.schema;
        expect({ path, method, status, hasSchema: !!schema }).toEqual({
          path,
          method,
          status,
          hasSchema: true,
        });
      }
      if (path.startsWith('/v1/')) {
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '429']));
        expect(op.security).toEqual(expect.arrayContaining([{ bearer: [] }, { 'api-key': [] }]));
      }
    }
  });

  it('declares the bearer and API-key schemes and the error envelope', () => {
    expect(doc.components?.securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
      'api-key': { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    });
    expect(doc.components?.schemas?.ErrorEnvelopeDto).toBeDefined();
    expect(doc.paths['/oauth/token']?.post).toBeDefined();
    expect(doc.paths['/health']?.get).toBeDefined();
    for (const type of [
      'deal.health_changed',
      'build.completed',
      'lead.created',
      'deal_desk.deal.updated',
    ]) {
      expect(doc.components?.schemas?.[`Event.${type}`]).toMatchObject({ type: 'object' });
      expect(doc.components?.schemas?.[`Webhook.${type}`]).toMatchObject({
        required: ['id', 'event', 'timestamp', 'data'],
      });
    }
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await t.http().get('/docs').redirects(1);
    expect(res.status).toBe(200);
    expect(res.text).toContain('swagger-ui');
  });
});
