import type { CanonicalRecord, FieldValue } from '../../../crm/crm-targets';
import { RecordError } from '../../sync.exception';
import { bool, date, industry, integer, key, money, segmentByEmployees } from './csv-values';

export type ValueKind =
  | 'text'
  | 'key'
  | 'money'
  | 'int'
  | 'date'
  | 'bool'
  | 'industry'
  | 'segment_by_employees';

/**
 * How one canonical field is read from a CSV row:
 * - "column": the cell, trimmed (empty means null);
 * - { column, as, map, multiplier, default }: converted (see csv-values.ts), after an optional
 *   lookup table on the raw cell;
 * - { template, fallback }: text built from cells ("{account} - {product}"); the fallback is
 *   used when a placeholder is empty;
 * - { coalesce: [...] }: the first non-null of several;
 * - { value }: a constant.
 */
export type CellSpec =
  | string
  | {
      column: string;
      as?: ValueKind;
      map?: Record<string, FieldValue>;
      multiplier?: number;
      default?: FieldValue;
    }
  | { template: string; fallback?: string }
  | { coalesce: CellSpec[] }
  | { value: FieldValue };

export interface RecordMapping {
  external_id: CellSpec;
  fields: Record<string, CellSpec>;
  /** When the row's current state began (a date or date-time column); used for stage history. */
  changed_at?: CellSpec;
}

export interface EntityMapping {
  /** File name inside the connection's folder (or of the uploaded file). */
  file: string;
  /** One record per mapping and row (e.g. a rep and their manager from one team row). */
  records: RecordMapping[];
}

export interface CsvSettings {
  /** Folder holding the files; relative paths are resolved against the working directory. */
  folder?: string;
  /** Read the files uploaded through the admin API instead of a folder. */
  uploads?: boolean;
  /** A built-in mapping (csv-presets.ts); `entities` entries override it per entity. */
  preset?: string;
  entities?: Record<string, EntityMapping>;
  /** Shift every date by this many days (demo data moved to the present). */
  date_shift_days?: number;
  batch_size?: number;
  delimiter?: string;
}

export type Row = Record<string, string>;

export class CsvRowReader {
  constructor(private readonly shiftDays: number) {}

  /** Every column a mapping reads, to check a file's header before the first row. */
  static columnsOf(spec: CellSpec): string[] {
    if (typeof spec === 'string') return [spec];
    if ('column' in spec) return [spec.column];
    if ('template' in spec) {
      return [...`${spec.template} ${spec.fallback ?? ''}`.matchAll(/\{([^}]+)\}/g)].map(
        (m) => m[1],
      );
    }
    if ('coalesce' in spec) return spec.coalesce.flatMap((s) => CsvRowReader.columnsOf(s));
    return [];
  }

  read(row: Row, spec: CellSpec, field: string): FieldValue {
    try {
      return this.value(row, spec);
    } catch (err) {
      if (err instanceof RecordError) throw new RecordError(`${field}: ${err.message}`);
      throw err;
    }
  }

  toRecords(row: Row, mappings: RecordMapping[]): CanonicalRecord[] {
    return mappings.map((mapping) => {
      const externalId = this.read(row, mapping.external_id, 'external_id');
      if (externalId === null || externalId === '')
        throw new RecordError('external_id: the id column is empty');
      const fields: Record<string, FieldValue> = {};
      for (const [field, spec] of Object.entries(mapping.fields))
        fields[field] = this.read(row, spec, field);
      const changed = mapping.changed_at ? this.read(row, mapping.changed_at, 'changed_at') : null;
      return {
        externalId: String(externalId),
        fields,
        raw: row,
        ...(changed
          ? {
              changedAt: /^\d{4}-\d{2}-\d{2}$/.test(String(changed))
                ? `${changed}T00:00:00Z`
                : String(changed),
            }
          : {}),
      };
    });
  }

  private value(row: Row, spec: CellSpec): FieldValue {
    if (typeof spec === 'string') return this.cell(row, spec);
    if ('value' in spec) return spec.value;
    if ('coalesce' in spec) {
      for (const s of spec.coalesce) {
        const v = this.value(row, s);
        if (v !== null) return v;
      }
      return null;
    }
    if ('template' in spec) {
      const fill = (template: string) => {
        let empty = false;
        const text = template.replace(/\{([^}]+)\}/g, (_, col: string) => {
          const v = this.cell(row, col);
          if (v === null) empty = true;
          return v ?? '';
        });
        return empty ? null : text;
      };
      return fill(spec.template) ?? (spec.fallback ? fill(spec.fallback) : null);
    }
    const raw = this.cell(row, spec.column);
    if (spec.map && raw !== null) {
      if (!(raw in spec.map))
        throw new RecordError(`"${raw}" is not one of ${Object.keys(spec.map).join(', ')}`);
      return spec.map[raw];
    }
    if (raw === null) return spec.default ?? null;
    switch (spec.as ?? 'text') {
      case 'text':
        return raw;
      case 'key':
        return key(raw);
      case 'money':
        return money(raw, spec.multiplier ?? 1);
      case 'int':
        return integer(raw);
      case 'date':
        return date(raw, this.shiftDays);
      case 'bool':
        return bool(raw);
      case 'industry':
        return industry(raw);
      case 'segment_by_employees':
        return segmentByEmployees(raw);
    }
  }

  private cell(row: Row, column: string): string | null {
    const v = row[column];
    if (v === undefined) throw new RecordError(`column "${column}" is missing from the row`);
    const trimmed = v.trim();
    return trimmed === '' ? null : trimmed;
  }
}
