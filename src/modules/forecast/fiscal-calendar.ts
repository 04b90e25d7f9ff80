/**
 * Periods on a workspace's fiscal calendar. A fiscal year starts on the first day of
 * `startMonth` (1-12) and is named after the calendar year it ends in (a year starting in
 * February 2026 is FY2027); with January starts the names are plain calendar years. Dates are
 * UTC calendar days, 'YYYY-MM-DD', and every period is inclusive of both ends.
 */
export const FORECAST_PERIODS = [
  'current_quarter',
  'next_quarter',
  'last_quarter',
  'current_year',
] as const;
export const COACHING_PERIODS = ['current_quarter', 'last_quarter', 'ytd'] as const;
export type PeriodName = (typeof FORECAST_PERIODS)[number] | (typeof COACHING_PERIODS)[number];

export interface Period {
  name: PeriodName;
  label: string;
  start: string;
  end: string;
}

const DAY = 86_400_000;

/** Months since year 0 (January of year y is y * 12). */
const monthIndex = (date: string) => Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
const monthStart = (index: number) =>
  `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}-01`;

export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

export const daysBetween = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);

/** The first day of the month `months` months after (or before) the month of `date`. */
export const addMonths = (date: string, months: number): string =>
  monthStart(monthIndex(date) + months);

export class FiscalCalendar {
  constructor(readonly startMonth: number = 1) {
    if (!Number.isInteger(startMonth) || startMonth < 1 || startMonth > 12)
      throw new RangeError('fiscal year start month must be 1-12');
  }

  private get offset(): number {
    return this.startMonth - 1;
  }

  /** Month index of the first month of the fiscal quarter containing month index `m`. */
  private quarterStartIndex(m: number): number {
    return Math.floor((m - this.offset) / 3) * 3 + this.offset;
  }

  private yearStartIndex(m: number): number {
    return Math.floor((m - this.offset) / 12) * 12 + this.offset;
  }

  /** The fiscal year's name: the calendar year of its last month. */
  private fiscalYear(yearStart: number): number {
    return Math.floor((yearStart + 11) / 12);
  }

  private yearLabel(yearStart: number): string {
    const fy = this.fiscalYear(yearStart);
    return this.startMonth === 1 ? String(fy) : `FY${fy}`;
  }

  private quarter(startIndex: number, name: PeriodName): Period {
    const yearStart = this.yearStartIndex(startIndex);
    const n = (startIndex - yearStart) / 3 + 1;
    return {
      name,
      label: `Q${n} ${this.yearLabel(yearStart)}`,
      start: monthStart(startIndex),
      end: addDays(monthStart(startIndex + 3), -1),
    };
  }

  /** The named period relative to the day `asOf`. */
  period(name: PeriodName, asOf: string): Period {
    const m = monthIndex(asOf);
    const q = this.quarterStartIndex(m);
    switch (name) {
      case 'current_quarter':
        return this.quarter(q, name);
      case 'next_quarter':
        return this.quarter(q + 3, name);
      case 'last_quarter':
        return this.quarter(q - 3, name);
      case 'current_year': {
        const y = this.yearStartIndex(m);
        return {
          name,
          label: this.startMonth === 1 ? String(this.fiscalYear(y)) : `FY${this.fiscalYear(y)}`,
          start: monthStart(y),
          end: addDays(monthStart(y + 12), -1),
        };
      }
      case 'ytd': {
        const y = this.yearStartIndex(m);
        return { name, label: `YTD ${this.yearLabel(y)}`, start: monthStart(y), end: asOf };
      }
    }
  }

  /**
   * The period of the same kind just before `p`, for comparisons: the previous quarter, or the
   * previous fiscal year (to the same day of it for year-to-date).
   */
  previous(p: Period): Period {
    if (p.name === 'current_year' || p.name === 'ytd') {
      const start = addMonths(p.start, -12);
      const end =
        p.name === 'ytd' ? addDays(start, daysBetween(p.start, p.end)) : addDays(p.start, -1);
      return { name: p.name, label: `${p.label} (previous year)`, start, end };
    }
    const prev = this.quarter(monthIndex(p.start) - 3, p.name);
    return { ...prev, label: prev.label };
  }

  /** The last period of the same length as `p` that ended before `asOf` (quarter or year). */
  lastCompleted(p: Period, asOf: string): Period {
    if (p.name === 'current_year' || p.name === 'ytd') {
      const y = this.yearStartIndex(monthIndex(asOf)) - 12;
      return {
        name: 'current_year',
        label: this.yearLabel(y),
        start: monthStart(y),
        end: addDays(monthStart(y + 12), -1),
      };
    }
    return this.quarter(this.quarterStartIndex(monthIndex(asOf)) - 3, 'last_quarter');
  }
}
