import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The project's copy of the CRM data set (demo-data/), read straight from the files. */
export const CRM_DATA_DIR = join(__dirname, '..', '..', 'demo-data', 'crm-sales-opportunities');

export function readCsv(file: string, dir = CRM_DATA_DIR): Array<Record<string, string>> {
  return parse(readFileSync(join(dir, file)), { columns: true, bom: true, skip_empty_lines: true });
}

/** Won and lost amounts as the file states them, summed in integer cents. */
export function fileTotals(dir = CRM_DATA_DIR): { won: bigint; lost: bigint } {
  const totals = { won: 0n, lost: 0n };
  for (const row of readCsv('sales_pipeline.csv', dir)) {
    if (row.deal_stage === 'Won') totals.won += BigInt(Math.round(Number(row.close_value) * 100));
    if (row.deal_stage === 'Lost')
      totals.lost += BigInt(Math.round(Number(row.close_value || '0') * 100));
  }
  return totals;
}
