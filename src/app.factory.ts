import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './platform/config/app-config';
import { DatabaseModuleOptions } from './platform/database/database.module';
import { AllExceptionsFilter } from './platform/http/all-exceptions.filter';
import { requestId } from './platform/http/request-id';
import { setupSwagger } from './platform/http/swagger';
import { createValidationPipe } from './platform/http/validation.pipe';

/** Routes outside the /v1 prefix. */
export const UNPREFIXED_ROUTES = ['health', 'oauth/token', '.well-known/jwks.json'];

/** Builds the HTTP application exactly as production runs it; tests use the same function. */
export async function createApp(
  config: AppConfig,
  database: DatabaseModuleOptions = {},
  extraModules: Type[] = [],
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.MAX_BODY_BYTES,
    genReqId: requestId,
    trustProxy: config.TRUST_PROXY,
    logger: false,
    routerOptions: { maxParamLength: 200 },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, database, extraModules),
    adapter,
    {
      bufferLogs: true,
      abortOnError: false,
    },
  );
  app.useLogger(app.get(Logger));
  app.setGlobalPrefix('v1', { exclude: UNPREFIXED_ROUTES });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());

  const fastify = app.getHttpAdapter().getInstance();
  // JSON and form bodies only: anything else is a 415 rather than a string handed to a DTO.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  // Errors Fastify raises before a handler runs (body parsing, content type, size) reach
  // AllExceptionsFilter too: Nest installs Fastify's error and not-found handlers through it.

  setupSwagger(app);
  app.enableShutdownHooks();
  return app;
}
