import packageJson from '../../package.json';
import { Client } from 'pg';
import { serverUrl } from '../support/databases';
import { startTestApp, TestApp } from '../support/test-app';

describe('GET /health', () => {
  it('answers without credentials with status, version and services', async () => {
    const t = await startTestApp();
    try {
      const res = await t.http().get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'healthy',
        timestamp: expect.any(String),
        version: packageJson.version,
        services: { database: 'connected', queue: 'connected' },
      });
      expect(res.headers['x-request-id']).toMatch(/^req_/);
    } finally {
      await t.close();
    }
  });

  it('answers 503 when the database is down', async () => {
    const t: TestApp = await startTestApp();
    try {
      if (t.db.url) {
        const dbName = new URL(t.db.url).pathname.slice(1);
        const admin = new Client({ connectionString: serverUrl() });
        await admin.connect();
        await admin.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS false`);
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
          [dbName],
        );
        await admin.end();
      } else {
        await t.db.pglite!.close();
      }
      const res = await t.http().get('/health');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        status: 'unhealthy',
        services: { database: 'disconnected', queue: 'disconnected' },
      });
    } finally {
      await t.close().catch(() => undefined);
      await t.db.drop().catch(() => undefined);
    }
  });
});
