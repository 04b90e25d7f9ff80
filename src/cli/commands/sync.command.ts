import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { RunProgress } from '../../modules/sync/engine/sync-runner.service';
import { SyncRun } from '../../modules/sync/entities/sync-run.entity';
import { SyncRunsService } from '../../modules/sync/sync-runs.service';
import { SyncService } from '../../modules/sync/sync.service';
import { withAppContext, workspaceFor } from '../cli-context';
import { printTable } from '../output';

interface SyncOptions {
  full?: boolean;
  dryRun?: boolean;
  since?: string;
  maxRecords?: number;
  workspace?: string;
  connection?: string;
}

const positiveInt = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('must be a whole number of at least 1');
  return Number(value);
};

const isoDate = (value: string): string => {
  if (Number.isNaN(Date.parse(value)) || !/^\d{4}-\d{2}-\d{2}/.test(value))
    throw new InvalidArgumentError('must be a date, YYYY-MM-DD');
  return value;
};

/** A progress bar on a terminal; a line per batch when the output is a file or a pipe. */
function progressReporter(): { update(run: SyncRun, p: RunProgress): void; stop(): void } {
  const tty = process.stdout.isTTY;
  let bar: SingleBar | undefined;
  let current: string | undefined;
  return {
    update(run, p) {
      const label = `${run.provider} ${run.entity}`;
      if (!tty) {
        console.log(
          `${label}: ${p.processed}${p.total ? `/${p.total}` : ''} processed, ${p.created} created, ${p.updated} updated, ${p.failed} failed`,
        );
        return;
      }
      if (current !== run.id) {
        bar?.stop();
        bar = new SingleBar({
          format: `${label.padEnd(28)} [{bar}] {value}/{total} | created {created} updated {updated} failed {failed}`,
        });
        bar.start(p.total ?? p.processed, 0, { created: 0, updated: 0, failed: 0 });
        current = run.id;
      }
      bar!.setTotal(Math.max(p.total ?? p.processed, p.processed));
      bar!.update(p.processed, { created: p.created, updated: p.updated, failed: p.failed });
    },
    stop() {
      bar?.stop();
    },
  };
}

export function syncCommand(): Command {
  return new Command('sync')
    .description('Sync an entity (or all entities) of a CRM provider now, in this process')
    .argument('<provider>', 'e.g. csv')
    .argument('<entity>', 'an entity of the provider, or all')
    .option('--full', 'ignore the stored cursor and read everything')
    .option('--dry-run', 'fetch, transform and validate; report what would change; write nothing')
    .option(
      '--since <date>',
      'only records changed since this date (engines that support it)',
      isoDate,
    )
    .option('--max-records <n>', 'stop after this many source records', positiveInt)
    .option('--workspace <slug>', 'workspace (default: the default workspace)')
    .option('--connection <id>', 'connection id, when the workspace has several of the provider')
    .action(async (provider: string, entity: string, opts: SyncOptions) => {
      await withAppContext(async (app) => {
        const workspace = await workspaceFor(app, opts.workspace);
        const progress = progressReporter();
        let runs: SyncRun[];
        try {
          runs = await app.get(SyncService).runNow(
            {
              workspaceId: workspace.id,
              provider,
              entity,
              connectionId: opts.connection,
              trigger: 'cli',
              options: {
                full: opts.full,
                dryRun: opts.dryRun,
                since: opts.since,
                maxRecords: opts.maxRecords,
              },
            },
            (run, p) => progress.update(run, p),
          );
        } finally {
          progress.stop();
        }
        printSummary(runs, !!opts.dryRun);
        const runsService = app.get(SyncRunsService);
        for (const run of runs.filter((r) => r.failed > 0)) {
          const [errors, total] = await runsService.errorsOf(run, 10);
          console.log(
            `\n${run.entity}: ${total} record(s) failed${total > errors.length ? ` (first ${errors.length} shown)` : ''}:`,
          );
          for (const e of errors) console.log(`  ${e.externalId ?? '?'} [${e.stage}] ${e.reason}`);
        }
        for (const run of runs.filter((r) => r.error))
          console.log(`\n${run.entity} ${run.status}: ${run.error}`);
        if (runs.some((r) => r.status === 'failed' || r.status === 'rate_limited'))
          process.exitCode = 1;
      });
    });
}

function printSummary(runs: SyncRun[], dryRun: boolean): void {
  console.log('');
  printTable(
    [
      'entity',
      'status',
      'mode',
      'processed',
      dryRun ? 'would create' : 'created',
      dryRun ? 'would update' : 'updated',
      'unchanged',
      dryRun ? 'would delete' : 'deleted',
      'failed',
      'seconds',
      'run id',
    ],
    runs.map((r) => [
      r.entity,
      r.status,
      r.mode,
      String(r.processed),
      String(r.created),
      String(r.updated),
      String(r.unchanged),
      String(r.deleted),
      String(r.failed),
      ((r.durationMs ?? 0) / 1000).toFixed(1),
      r.id,
    ]),
  );
}

export function runsCommand(): Command {
  return new Command('runs')
    .description('Recent sync runs (from the CLI, cron and the admin API alike)')
    .option('--workspace <slug>', 'workspace (default: the default workspace)')
    .option('--limit <n>', 'how many', positiveInt, 20)
    .action(async (opts: { workspace?: string; limit: number }) => {
      await withAppContext(async (app) => {
        const workspace = await workspaceFor(app, opts.workspace);
        const [runs] = await app
          .get(SyncRunsService)
          .list(workspace.id, {}, Math.min(opts.limit, 100), 0);
        printTable(
          [
            'queued at',
            'trigger',
            'provider',
            'entity',
            'status',
            'processed',
            'created',
            'updated',
            'failed',
            'run id',
          ],
          runs.map((r) => [
            r.queuedAt.toISOString().slice(0, 19),
            r.trigger,
            r.provider,
            r.entity,
            r.status,
            String(r.processed),
            String(r.created),
            String(r.updated),
            String(r.failed),
            r.id,
          ]),
        );
      });
    });
}
