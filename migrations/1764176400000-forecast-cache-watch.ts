import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The response cache (forecast_response_cache) now also holds the forecast summary and the
 * coaching answers (docs/FORECAST.md, "Performance"), which read two tables the read models did
 * not: the reps (names, managers, teams) and their quotas. Their writes mark the workspace dirty
 * like the other watched tables', so a cached answer is never served after they change.
 */
const WATCHED = ['crm_users', 'quotas'];

export class ForecastCacheWatch1764176400000 implements MigrationInterface {
  name = 'ForecastCacheWatch1764176400000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of WATCHED)
      for (const [event, ref, fn] of [
        ['INSERT', 'NEW TABLE AS new_rows', 'forecast_mark_dirty_new'],
        ['UPDATE', 'NEW TABLE AS new_rows', 'forecast_mark_dirty_new'],
        ['DELETE', 'OLD TABLE AS old_rows', 'forecast_mark_dirty_old'],
      ])
        await q.query(
          `CREATE TRIGGER ${table}_forecast_dirty_${event.toLowerCase()} AFTER ${event} ON ${table}
           REFERENCING ${ref} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
        );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [...WATCHED].reverse())
      for (const event of ['delete', 'update', 'insert'])
        await q.query(`DROP TRIGGER ${table}_forecast_dirty_${event} ON ${table}`);
  }
}
