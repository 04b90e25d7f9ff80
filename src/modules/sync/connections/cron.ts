import { CronTime } from 'cron';

/** Null when the expression is a valid cron schedule (5 or 6 fields), else the reason. */
export function validateCron(expression: string): string | null {
  if (typeof expression !== 'string' || expression.trim().split(/\s+/).length < 5) {
    return 'a cron expression needs 5 or 6 fields, e.g. "0 * * * *"';
  }
  try {
    new CronTime(expression, 'UTC');
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
