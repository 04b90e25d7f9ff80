import { Command, InvalidArgumentError } from 'commander';
import { CredentialsService } from '../../platform/auth/credentials.service';
import { Scope, SCOPES } from '../../platform/auth/auth.types';
import { Tier, TIERS } from '../../platform/config/app-config';
import { WorkspaceService } from '../../platform/workspace/workspace.service';
import { withAppContext } from '../cli-context';
import { printTable } from '../output';

const parseTier = (value: string): Tier => {
  if (!(TIERS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`must be one of ${TIERS.join(', ')}`);
  return value as Tier;
};

const parseScopes = (value: string): Scope[] => {
  const scopes = value.split(',').map((s) => s.trim());
  const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length)
    throw new InvalidArgumentError(`unknown scope(s) ${bad.join(', ')}; use ${SCOPES.join(', ')}`);
  return scopes as Scope[];
};

const parseSlug = (value: string): string => {
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(value))
    throw new InvalidArgumentError('use 2-63 characters of a-z, 0-9 and -');
  return value;
};

export function clientsCommand(): Command {
  const clients = new Command('clients').description(
    'API clients (OAuth client credentials) and their API keys',
  );

  clients
    .command('create')
    .description(
      'Create an API client and an API key (creating the workspace if it does not exist)',
    )
    .requiredOption('--workspace <slug>', 'workspace slug', parseSlug)
    .option('--tier <tier>', `tier of a new workspace (${TIERS.join('|')})`, parseTier, 'growth')
    .option('--name <name>', 'a name for the client', 'CLI client')
    .option('--scopes <list>', `comma-separated scopes (${SCOPES.join(',')})`, parseScopes, [
      ...SCOPES,
    ])
    .action(async (opts: { workspace: string; tier: Tier; name: string; scopes: Scope[] }) => {
      await withAppContext(async (app) => {
        const workspaces = app.get(WorkspaceService);
        const credentials = app.get(CredentialsService);
        const { workspace, created } = await workspaces.ensure(opts.workspace, opts.tier);
        if (!created && workspace.tier !== opts.tier) {
          console.log(
            `Note: workspace ${workspace.slug} exists on the ${workspace.tier} tier; --tier applies only to new workspaces.`,
          );
        }
        const { client, clientSecret } = await credentials.createClient(workspace.id, {
          name: opts.name,
          scopes: opts.scopes,
        });
        const { apiKey } = await credentials.createApiKey(workspace.id, {
          apiClientId: client.id,
          name: `${opts.name} key`,
        });
        printTable(
          ['field', 'value'],
          [
            ['workspace', `${workspace.slug} (${workspace.tier}${created ? ', new' : ''})`],
            ['client_id', client.clientId],
            ['client_secret', clientSecret],
            ['api_key', apiKey],
            ['scopes', client.scopes.join(' ')],
          ],
        );
        console.log('The secret and the key are shown only now: store them safely.');
      });
    });

  clients
    .command('list')
    .description('List API clients')
    .option('--workspace <slug>', 'only this workspace', parseSlug)
    .action(async (opts: { workspace?: string }) => {
      await withAppContext(async (app) => {
        const workspaces = app.get(WorkspaceService);
        const credentials = app.get(CredentialsService);
        const all = await workspaces.list();
        const rows: string[][] = [];
        for (const ws of all.filter((w) => !opts.workspace || w.slug === opts.workspace)) {
          for (const c of await credentials.listClients(ws.id)) {
            rows.push([
              ws.slug,
              c.clientId,
              c.name,
              c.scopes.join(' '),
              c.revokedAt ? `revoked ${c.revokedAt.toISOString()}` : 'active',
            ]);
          }
        }
        printTable(['workspace', 'client_id', 'name', 'scopes', 'status'], rows);
      });
    });

  clients
    .command('revoke')
    .description('Revoke an API client: its tokens and API keys stop working')
    .argument('<client_id>')
    .action(async (clientId: string) => {
      await withAppContext(async (app) => {
        const client = await app.get(CredentialsService).revokeClient(clientId);
        console.log(`Revoked ${client.clientId} at ${client.revokedAt?.toISOString()}`);
      });
    });

  return clients;
}
