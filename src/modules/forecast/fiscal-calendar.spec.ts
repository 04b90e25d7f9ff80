import { FiscalCalendar } from './fiscal-calendar';

describe('FiscalCalendar', () => {
  it('uses calendar quarters and years when the fiscal year starts in January', () => {
    const c = new FiscalCalendar(1);
    expect(c.period('current_quarter', '2026-11-22')).toEqual({
      name: 'current_quarter',
      label: 'Q4 2026',
      start: '2026-10-01',
      end: '2026-12-31',
    });
    expect(c.period('next_quarter', '2026-11-22')).toMatchObject({
      label: 'Q1 2027',
      start: '2027-01-01',
      end: '2027-03-31',
    });
    expect(c.period('last_quarter', '2026-02-10')).toMatchObject({
      label: 'Q4 2025',
      start: '2025-10-01',
      end: '2025-12-31',
    });
    expect(c.period('current_year', '2026-11-22')).toMatchObject({
      label: '2026',
      start: '2026-01-01',
      end: '2026-12-31',
    });
    expect(c.period('ytd', '2026-11-22')).toMatchObject({
      label: 'YTD 2026',
      start: '2026-01-01',
      end: '2026-11-22',
    });
  });

  it('names a fiscal year starting in February after the calendar year it ends in', () => {
    const c = new FiscalCalendar(2);
    expect(c.period('current_quarter', '2026-01-15')).toEqual({
      name: 'current_quarter',
      label: 'Q4 FY2026',
      start: '2025-11-01',
      end: '2026-01-31',
    });
    expect(c.period('current_quarter', '2026-02-01')).toMatchObject({
      label: 'Q1 FY2027',
      start: '2026-02-01',
      end: '2026-04-30',
    });
    expect(c.period('current_year', '2026-01-15')).toMatchObject({
      label: 'FY2026',
      start: '2025-02-01',
      end: '2026-01-31',
    });
    expect(c.period('ytd', '2026-03-03')).toMatchObject({ start: '2026-02-01', end: '2026-03-03' });
  });

  it('handles leap days and a July start', () => {
    const c = new FiscalCalendar(7);
    expect(c.period('last_quarter', '2024-05-01')).toMatchObject({
      label: 'Q3 FY2024',
      start: '2024-01-01',
      end: '2024-03-31',
    });
    expect(new FiscalCalendar(12).period('current_quarter', '2024-01-31')).toMatchObject({
      start: '2023-12-01',
      end: '2024-02-29',
    });
  });

  it('finds the previous and the last completed period', () => {
    const c = new FiscalCalendar(1);
    const q = c.period('current_quarter', '2026-11-22');
    expect(c.previous(q)).toMatchObject({ start: '2026-07-01', end: '2026-09-30' });
    const ytd = c.period('ytd', '2026-03-10');
    expect(c.previous(ytd)).toMatchObject({ start: '2025-01-01', end: '2025-03-10' });
    expect(c.lastCompleted(q, '2026-11-22')).toMatchObject({
      start: '2026-07-01',
      end: '2026-09-30',
    });
    expect(c.lastCompleted(c.period('current_year', '2026-11-22'), '2026-11-22')).toMatchObject({
      label: '2025',
      start: '2025-01-01',
      end: '2025-12-31',
    });
  });

  it('refuses a month outside 1-12', () => {
    expect(() => new FiscalCalendar(0)).toThrow(RangeError);
    expect(() => new FiscalCalendar(13)).toThrow(RangeError);
  });
});
