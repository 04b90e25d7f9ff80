import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { ConfigValidationError } from '../platform/config/app-config';
import { DataDirLockedError } from '../platform/database/data-dir-lock';
import { withAppContext } from './cli-context';
import { clientsCommand } from './commands/clients.command';
import { connectionsCommand } from './commands/connections.command';
import { demoCommand } from './commands/demo.command';
import { runsCommand, syncCommand } from './commands/sync.command';

const program = new Command('revops-hub')
  .description('RevOps Hub management commands (npm run cli -- <command>)')
  .showHelpAfterError();

program
  .command('migrate')
  .description('Apply pending database migrations (start-up does this too)')
  .action(async () => {
    await withAppContext(async () => console.log('Database schema is up to date.'));
  });

program.addCommand(clientsCommand());
program.addCommand(connectionsCommand());
program.addCommand(syncCommand());
program.addCommand(runsCommand());
program.addCommand(demoCommand());

program.parseAsync(process.argv).catch((err: unknown) => {
  if (
    err instanceof ConfigValidationError ||
    err instanceof DataDirLockedError ||
    err instanceof CommanderError
  ) {
    console.error(err.message);
  } else if (err instanceof Error && 'code' in err && 'details' in err) {
    console.error(`Error: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exitCode = 1;
});
