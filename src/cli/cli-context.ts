import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from '../app.module';
import { AppConfig, loadConfig } from '../platform/config/app-config';

/**
 * The application without its HTTP server: the same modules and services the API uses, so a
 * command and an endpoint share one code path. Workers stay off unless a command needs them.
 */
export async function withAppContext<T>(
  fn: (app: INestApplicationContext, config: AppConfig) => Promise<T>,
  overrides: Record<string, string> = {},
): Promise<T> {
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    JOBS_ENABLED: 'false',
    ...process.env,
    ...overrides,
  });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  try {
    return await fn(app, config);
  } finally {
    await app.close();
  }
}
