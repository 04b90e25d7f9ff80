import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { CredentialsService } from '../../src/platform/auth/credentials.service';
import type { Scope } from '../../src/platform/auth/auth.types';
import { AppConfig, loadConfig, Tier } from '../../src/platform/config/app-config';
import { WorkspaceService } from '../../src/platform/workspace/workspace.service';
import { createTestDatabase, TestDatabase } from './databases';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: TestDatabase;
  dataSource: DataSource;
  /** http://127.0.0.1:<port>: real HTTP on loopback. */
  url: string;
  http: () => ReturnType<typeof request>;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Share a database with another app (a second instance). */
  db?: TestDatabase;
  modules?: Parameters<typeof createApp>[2];
}

/** Test defaults: quiet logs, fast job polling, a fixed key, Redis when the run provides one. */
export function testConfig(db: TestDatabase, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: 'memory://',
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    JOBS_POLL_INTERVAL_SECONDS: '0.5',
    REDIS_KEY_PREFIX: `rh-test-${randomBytes(4).toString('hex')}`,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ...env,
  });
}

export async function startTestApp(options: StartOptions = {}): Promise<TestApp> {
  const ownDb = !options.db;
  const db = options.db ?? (await createTestDatabase());
  const config = testConfig(db, options.env);
  const app = await createApp(config, { pglite: db.pglite }, options.modules);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    app,
    config,
    db,
    dataSource: app.get(DataSource),
    url,
    http: () => request(url),
    close: async () => {
      await app.close();
      if (ownDb) await db.drop();
    },
  };
}

export interface TestClient {
  workspaceId: string;
  clientId: string;
  clientSecret: string;
  apiKey: string;
  token(scope?: string): Promise<string>;
}

/** A workspace with an API client and key, created through the same services the CLI uses. */
export async function createClient(
  t: TestApp,
  opts: { workspace?: string; tier?: Tier; scopes?: Scope[] } = {},
): Promise<TestClient> {
  const slug = opts.workspace ?? `ws-${randomBytes(4).toString('hex')}`;
  const { workspace } = await t.app.get(WorkspaceService).ensure(slug, opts.tier ?? 'enterprise');
  const credentials = t.app.get(CredentialsService);
  const { client, clientSecret } = await credentials.createClient(workspace.id, {
    name: 'test',
    scopes: opts.scopes,
  });
  const { apiKey } = await credentials.createApiKey(workspace.id, {
    apiClientId: client.id,
    name: 'test key',
  });
  return {
    workspaceId: workspace.id,
    clientId: client.clientId,
    clientSecret,
    apiKey,
    token: async (scope?: string) => {
      const res = await t
        .http()
        .post('/oauth/token')
        .type('form')
        .send({
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_secret: clientSecret,
          ...(scope ? { scope } : {}),
        });
      if (res.status !== 200)
        throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.access_token as string;
    },
  };
}
