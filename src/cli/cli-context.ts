import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from '../app.module';
import { InvalidArgumentError } from 'commander';
import { AppConfig, loadConfig } from '../platform/config/app-config';
import { Workspace } from '../platform/workspace/workspace.entity';
import { WorkspaceService } from '../platform/workspace/workspace.service';

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

/** The workspace a command names with --workspace, or the default workspace. */
export async function workspaceFor(
  app: INestApplicationContext,
  slug?: string,
): Promise<Workspace> {
  const workspaces = app.get(WorkspaceService);
  const workspace = slug
    ? await workspaces.findBySlug(slug)
    : await workspaces.ensureDefault('enterprise');
  if (!workspace) throw new InvalidArgumentError(`no workspace "${slug}"`);
  return workspace;
}
