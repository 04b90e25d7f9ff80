import { CanonicalRecord, ColumnSpec, CRM_TARGETS, CrmTarget, FieldValue } from './crm-targets';

const MONEY = /^\d{1,16}(\.\d{1,2})?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

const isRealDate = (value: string): boolean => {
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return (
    d.getUTCFullYear() === Number(m[1]) &&
    d.getUTCMonth() === Number(m[2]) - 1 &&
    d.getUTCDate() === Number(m[3])
  );
};

function problem(column: string, spec: ColumnSpec, value: FieldValue): string | undefined {
  const kind = spec.kind;
  switch (kind.type) {
    case 'string':
      if (typeof value !== 'string') return `${column} must be a string`;
      if (value.length > kind.max) return `${column} is longer than ${kind.max} characters`;
      if (kind.values && !kind.values.includes(value))
        return `${column} must be one of ${kind.values.join(', ')} (got "${value}")`;
      return undefined;
    case 'text':
      return typeof value === 'string' ? undefined : `${column} must be a string`;
    case 'money':
      return typeof value === 'string' && MONEY.test(value)
        ? undefined
        : `${column} must be a non-negative amount with at most 2 decimals (got "${value}")`;
    case 'probability': {
      const n = typeof value === 'string' ? Number(value) : NaN;
      return /^\d(\.\d{1,4})?$/.test(String(value)) && n >= 0 && n <= 1
        ? undefined
        : `${column} must be a probability between 0 and 1 (got "${value}")`;
    }
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value))
        return `${column} must be a whole number (got "${value}")`;
      if (kind.min !== undefined && value < kind.min)
        return `${column} must be at least ${kind.min}`;
      if (kind.max !== undefined && value > kind.max)
        return `${column} must be at most ${kind.max}`;
      return undefined;
    case 'bool':
      return typeof value === 'boolean' ? undefined : `${column} must be true or false`;
    case 'date':
      return typeof value === 'string' && isRealDate(value)
        ? undefined
        : `${column} must be a date YYYY-MM-DD (got "${value}")`;
    case 'timestamp':
      return typeof value === 'string' && TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : `${column} must be an ISO 8601 date-time with a zone (got "${value}")`;
    case 'currency':
      return typeof value === 'string' && /^[A-Z]{3}$/.test(value)
        ? undefined
        : `${column} must be an ISO 4217 code (got "${value}")`;
  }
}

/**
 * Checks a record against its target's columns. Returns the problems (empty when valid); the
 * record is completed with column defaults in place so the writer sees every column.
 */
export function validateRecord(target: CrmTarget, record: CanonicalRecord): string[] {
  const problems: string[] = [];
  if (!record.externalId || record.externalId.length > 255)
    problems.push('external id must be 1-255 characters');
  const columns: Record<string, ColumnSpec> = CRM_TARGETS[target].columns;
  for (const column of Object.keys(record.fields)) {
    if (!(column in columns)) problems.push(`${column} is not a column of ${target}`);
  }
  for (const [column, spec] of Object.entries(columns)) {
    let value = record.fields[column];
    if ((value === undefined || value === null || value === '') && spec.default !== undefined) {
      value = spec.default;
      record.fields[column] = value;
    }
    if (value === undefined || value === null || value === '') {
      record.fields[column] = null;
      if (spec.required) problems.push(`${column} is required`);
      continue;
    }
    const p = problem(column, spec, value);
    if (p) problems.push(p);
  }
  if (record.changedAt !== undefined && Number.isNaN(Date.parse(record.changedAt))) {
    problems.push(`changedAt must be a date-time (got "${record.changedAt}")`);
  }
  return problems;
}
