import { Command, InvalidArgumentError } from 'commander';
import { DemoDataService } from '../../modules/demo/demo-data.service';
import { withAppContext } from '../cli-context';
import { printTable } from '../output';

const day = (value: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError('must be a date, YYYY-MM-DD');
  return value;
};

export function demoCommand(): Command {
  const demo = new Command('demo').description(
    'The demo data set (CRM + Sales + Opportunities, enriched)',
  );
  demo
    .command('load')
    .description('Load the demo data into the default workspace (again: changes nothing)')
    .option('--reload', 'move the dates to --today again and re-import everything')
    .option('--today <date>', 'the day the data set is moved to (default: today, UTC)', day)
    .action(async (opts: { reload?: boolean; today?: string }) => {
      await withAppContext(async (app) => {
        const s = await app.get(DemoDataService).load({ reload: opts.reload, today: opts.today });
        printTable(
          ['table', 'rows'],
          Object.entries(s.counts).map(([t, n]) => [t, String(n)]),
        );
        console.log(
          `Loaded in ${s.seconds.toFixed(1)} s; dates shifted by ${s.shiftDays} days (newest: ${s.asOf}).`,
        );
      });
    });
  return demo;
}
