import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { EVENT_TYPES } from '../events/event-types';
import { APP_VERSION } from '../version';

const DESCRIPTION = `
RevOps Hub: what your CRMs know, in one place.

**Authentication.** Get a token with \`POST /oauth/token\` (OAuth 2.0 client credentials) and send it as
\`Authorization: Bearer <token>\`, or send an API key as \`X-API-Key\`. Every \`/v1\` route needs one.

**Responses.** Success: \`{data, meta: {request_id, timestamp}}\`. Errors: \`{error: {code, message, details}, meta}\`
with codes UNAUTHORIZED 401, FORBIDDEN 403, NOT_FOUND 404, VALIDATION_ERROR 400, RATE_LIMITED 429, SERVER_ERROR 500
(and CONFLICT 409, PAYLOAD_TOO_LARGE 413, UNSUPPORTED_MEDIA_TYPE 415, SERVICE_UNAVAILABLE 503).

**Rate limits.** Per client: Growth 1,000 requests/hour with bursts of 100 per minute, Enterprise 10,000/hour with
bursts of 500 per minute. Headers \`X-RateLimit-Limit\`, \`X-RateLimit-Remaining\`, \`X-RateLimit-Reset\` (Unix seconds)
report the hourly budget; a 429 carries \`Retry-After\`.

**Conventions.** Times are UTC ISO 8601. Money is a decimal string or integer of minor units, never a float.
Send \`X-Request-Id\` to correlate: it is echoed back and in the logs.`;

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('RevOps Hub API')
    .setDescription(DESCRIPTION.trim())
    .setVersion(APP_VERSION)
    .addServer('/', 'This server')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'Access token from POST /oauth/token',
    })
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description: 'An API key of the workspace',
      },
      'api-key',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) =>
      `${controller.replace(/Controller$/, '')}_${method}`,
  });
  addEventSchemas(document);
  return document;
}

/** JSON Schema nullables (type: [x, 'null'], oneOf with {type: 'null'}) in OpenAPI 3.0's dialect. */
function toOpenApi30(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toOpenApi30);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = toOpenApi30(value);
  if (Array.isArray(out.type)) {
    const types = (out.type as string[]).filter((t) => t !== 'null');
    if (types.length < (out.type as string[]).length) out.nullable = true;
    out.type = types[0];
  }
  if (Array.isArray(out.oneOf)) {
    const variants = (out.oneOf as Array<Record<string, unknown>>).filter((v) => v.type !== 'null');
    if (variants.length < (out.oneOf as unknown[]).length) out.nullable = true;
    if (variants.length === 1) {
      delete out.oneOf;
      Object.assign(out, variants[0]);
    } else out.oneOf = variants;
  }
  return out;
}

/**
 * The event registry in the document: each type's payload schema (`Event.<type>`) and the body a
 * webhook receiver gets for it (`Webhook.<type>`), so customers can generate receivers.
 */
function addEventSchemas(document: OpenAPIObject): void {
  const components = (document.components ??= {});
  const schemas = (components.schemas ??= {});
  for (const [type, def] of Object.entries(EVENT_TYPES)) {
    schemas[`Event.${type}`] = {
      description: def.description,
      ...(toOpenApi30(def.schema) as object),
    };
    schemas[`Webhook.${type}`] = {
      type: 'object',
      description: `What a webhook endpoint receives for ${type}, signed (X-RevOps-Signature, webhook-signature)`,
      required: ['id', 'event', 'timestamp', 'data'],
      properties: {
        id: { type: 'string', description: 'The same on every retry: deduplicate on it' },
        event: { type: 'string', enum: [type] },
        timestamp: { type: 'string', format: 'date-time' },
        data: { $ref: `#/components/schemas/Event.${type}` },
      },
    };
  }
}

export function setupSwagger(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'RevOps Hub API',
  });
}
