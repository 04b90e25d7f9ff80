import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Quotas in a window of days. A quota lying inside the window counts in full; one that overlaps
 * it partly counts pro rata by days (rounded to the cent), so a fiscal calendar that does not
 * line up with the quotas' periods still gets a fair figure.
 */
@Injectable()
export class QuotaService {
  constructor(private readonly dataSource: DataSource) {}

  /** Quota per user (decimal strings), for every user with a quota overlapping [start, end]. */
  async byUser(workspaceId: string, start: string, end: string): Promise<Map<string, string>> {
    const rows: Array<{ user_id: string; amount: string }> = await this.dataSource.query(
      `SELECT user_id, sum(CASE WHEN period_start >= $2::date AND period_end <= $3::date THEN amount
                  ELSE round(amount * (LEAST(period_end, $3::date) - GREATEST(period_start, $2::date) + 1)
                                    / (period_end - period_start + 1), 2) END)::text AS amount
         FROM quotas
        WHERE workspace_id = $1 AND deleted_at IS NULL AND user_id IS NOT NULL
          AND period_start <= $3::date AND period_end >= $2::date
        GROUP BY user_id`,
      [workspaceId, start, end],
    );
    return new Map(rows.map((r) => [r.user_id, r.amount]));
  }
}
