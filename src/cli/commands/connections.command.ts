import { Command, InvalidArgumentError } from 'commander';
import { ConnectionsService } from '../../modules/sync/connections/connections.service';
import { withAppContext, workspaceFor } from '../cli-context';
import { printTable } from '../output';

const json = (value: string): Record<string, unknown> => {
  try {
    const parsed = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError('must be a JSON object');
};

const workspaceId = async (
  app: Parameters<Parameters<typeof withAppContext>[0]>[0],
  slug?: string,
) => (await workspaceFor(app, slug)).id;

export function connectionsCommand(): Command {
  const connections = new Command('connections').description("A workspace's CRM connections");

  connections
    .command('create')
    .description('Add a CRM connection')
    .argument('<provider>', 'e.g. csv')
    .requiredOption('--name <name>', 'a name for the connection')
    .option(
      '--settings <json>',
      'provider settings, e.g. {"folder":"./exports","preset":"maven-crm"}',
      json,
      {},
    )
    .option('--credentials <json>', 'credentials (stored encrypted)', json)
    .option('--schedules <json>', 'entity => cron, e.g. {"all":"0 */4 * * *"}', json)
    .option('--workspace <slug>', 'workspace (default: the default workspace)')
    .action(
      async (
        provider: string,
        opts: {
          name: string;
          settings: Record<string, unknown>;
          credentials?: Record<string, string>;
          schedules?: Record<string, string>;
          workspace?: string;
        },
      ) => {
        await withAppContext(async (app) => {
          const c = await app
            .get(ConnectionsService)
            .create(await workspaceId(app, opts.workspace), {
              provider,
              name: opts.name,
              settings: opts.settings,
              credentials: opts.credentials,
              schedules: opts.schedules,
            });
          console.log(`Created ${c.provider} connection ${c.id} (${c.name})`);
        });
      },
    );

  connections
    .command('list')
    .description('List connections')
    .option('--workspace <slug>', 'workspace (default: the default workspace)')
    .action(async (opts: { workspace?: string }) => {
      await withAppContext(async (app) => {
        const all = await app.get(ConnectionsService).list(await workspaceId(app, opts.workspace));
        printTable(
          ['id', 'provider', 'name', 'enabled', 'schedules'],
          all.map((c) => [
            c.id,
            c.provider,
            c.name,
            String(c.enabled),
            JSON.stringify(c.schedules),
          ]),
        );
      });
    });

  return connections;
}
