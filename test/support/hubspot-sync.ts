import { ConnectionsService } from '../../src/modules/sync/connections/connections.service';
import type { CrmConnection } from '../../src/modules/sync/entities/crm-connection.entity';
import type { SyncRun } from '../../src/modules/sync/entities/sync-run.entity';
import { SyncService } from '../../src/modules/sync/sync.service';
import type { FakeHubSpot } from './fake-hubspot';
import type { TestApp } from './test-app';

/** A HubSpot connection to a fake, with test settings (no rate limit, tiny backoff). */
export function connectHubSpot(
  t: TestApp,
  workspaceId: string,
  fake: FakeHubSpot,
  name: string,
  opts: { settings?: Record<string, unknown>; credentials?: Record<string, string> } = {},
): Promise<CrmConnection> {
  return t.app.get(ConnectionsService).create(workspaceId, {
    provider: 'hubspot',
    name,
    settings: {
      base_url: fake.url,
      retry_base_delay_ms: 1,
      requests_per_10s: 100_000,
      search_requests_per_second: 100_000,
      ...opts.settings,
    },
    credentials: opts.credentials ?? { access_token: fake.token },
  });
}

/** Runs an entity (or `all`) of a HubSpot connection in this process, as the CLI does. */
export function runHubSpot(
  t: TestApp,
  workspaceId: string,
  connectionId: string,
  entity: string,
  full = false,
): Promise<SyncRun[]> {
  return t.app.get(SyncService).runNow({
    workspaceId,
    provider: 'hubspot',
    entity,
    connectionId,
    options: full ? { full: true } : {},
    trigger: 'cli',
  });
}
