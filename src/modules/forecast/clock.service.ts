import { Injectable } from '@nestjs/common';

export interface AsOf {
  /** The UTC day the numbers are as of. */
  day: string;
  /** The instant reported as updated_at / generated_at. */
  instant: string;
}

/**
 * "Now" for the analytics (forecast, coaching): every period and snapshot date is derived from
 * it, so it is one injectable place. The API also takes an explicit `as_of` day, which tests use
 * so that no result depends on the wall clock.
 */
@Injectable()
export class ClockService {
  now(): Date {
    return new Date();
  }

  /**
   * The day results are computed for: the caller's `as_of` (then reported as the end of that
   * day, so the answer is reproducible), else today and now.
   */
  asOf(day?: string): AsOf {
    if (day) {
      const end = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000);
      return { day, instant: end.toISOString() };
    }
    const now = this.now();
    return { day: now.toISOString().slice(0, 10), instant: now.toISOString() };
  }

  /** Today's UTC calendar day, YYYY-MM-DD. */
  today(): string {
    return this.now().toISOString().slice(0, 10);
  }
}
