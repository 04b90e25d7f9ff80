import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { parse } from 'csv-parse';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { Repository } from 'typeorm';
import type { CanonicalRecord, CrmTarget } from '../../../crm/crm-targets';
import { EngineContext, FetchedBatch, SyncEngine } from '../../engine/sync-engine';
import { CrmConnection } from '../../entities/crm-connection.entity';
import { SyncFile } from '../../entities/sync-file.entity';
import { SyncException } from '../../sync.exception';
import { CsvRowReader, CsvSettings, EntityMapping, Row } from './csv-mapping';
import { CSV_PRESETS } from './csv-presets';

export interface CsvCursor {
  file: string;
  sha256: string;
  /** Data rows of this file committed so far. */
  offset: number;
  /** The whole file was committed: an unchanged file has nothing left to read. */
  complete: boolean;
}

interface CsvSource {
  name: string;
  sha256: string;
  open(): Readable;
}

const ENTITIES = [
  'users',
  'accounts',
  'products',
  'contacts',
  'opportunities',
  'opportunity_contacts',
  'leads',
  'activities',
  'quotas',
] as const satisfies readonly CrmTarget[];

/**
 * Imports CSV files (a folder, or files uploaded through the admin API) with a column mapping per
 * entity. There is no modification time in a CSV, so a delta run compares contents: an unchanged
 * file is skipped by its hash; a changed one is read again and only rows whose content changed
 * are rewritten. The cursor (file hash and committed row count) lets an interrupted run resume.
 */
@Injectable()
export class CsvEngine extends SyncEngine<Row, CsvCursor> {
  readonly provider = 'csv';
  readonly entities = ENTITIES;
  override readonly detectsDeletions = true;

  constructor(@InjectRepository(SyncFile) private readonly files: Repository<SyncFile>) {
    super();
  }

  targetOf(entity: string): CrmTarget {
    return entity as CrmTarget;
  }

  static settings(connection: CrmConnection): CsvSettings {
    return connection.settings as CsvSettings;
  }

  static mappingFor(connection: CrmConnection, entity: string): EntityMapping | undefined {
    const settings = CsvEngine.settings(connection);
    return (
      settings.entities?.[entity] ??
      (settings.preset ? CSV_PRESETS[settings.preset]?.[entity] : undefined)
    );
  }

  override isConfigured(connection: CrmConnection, entity: string): boolean {
    return !!CsvEngine.mappingFor(connection, entity);
  }

  override async initialize(ctx: EngineContext<CsvCursor>): Promise<void> {
    const settings = CsvEngine.settings(ctx.connection);
    if (settings.preset && !CSV_PRESETS[settings.preset]) {
      throw new SyncException(
        'VALIDATION_ERROR',
        `Unknown CSV preset "${settings.preset}"; known: ${Object.keys(CSV_PRESETS).join(', ')}`,
      );
    }
    const size = settings.batch_size;
    if (size !== undefined && !(Number.isInteger(size) && size >= 1 && size <= 50_000)) {
      throw new SyncException(
        'VALIDATION_ERROR',
        `batch_size must be a whole number from 1 to 50000 (got ${JSON.stringify(size)})`,
      );
    }
    const shift = settings.date_shift_days;
    if (shift !== undefined && !Number.isInteger(shift)) {
      throw new SyncException(
        'VALIDATION_ERROR',
        `date_shift_days must be a whole number (got ${JSON.stringify(shift)})`,
      );
    }
    const mapping = CsvEngine.mappingFor(ctx.connection, ctx.entity);
    if (!mapping)
      throw new SyncException('VALIDATION_ERROR', `The connection maps no file to "${ctx.entity}"`);
    ctx.state.mapping = mapping;
    ctx.state.reader = new CsvRowReader(settings.date_shift_days ?? 0);
    ctx.state.source = await this.source(ctx.connection, ctx.entity, mapping.file);
  }

  override async *fetch(
    ctx: EngineContext<CsvCursor>,
  ): AsyncIterable<FetchedBatch<Row, CsvCursor>> {
    const settings = CsvEngine.settings(ctx.connection);
    const mapping = ctx.state.mapping as EntityMapping;
    const source = ctx.state.source as CsvSource;
    const batchSize = Math.max(1, settings.batch_size ?? 1000);
    const previous =
      ctx.cursor && ctx.cursor.file === source.name && ctx.cursor.sha256 === source.sha256
        ? ctx.cursor
        : null;
    if (previous?.complete) return; // unchanged since it was fully imported
    const start = previous?.offset ?? 0;

    const parser = source.open().pipe(
      parse({
        columns: true,
        bom: true,
        skip_empty_lines: true,
        trim: false,
        delimiter: settings.delimiter ?? ',',
        // Exports mix Windows and Unix line ends more often than one would think.
        record_delimiter: ['\r\n', '\n', '\r'],
        relax_column_count: true,
      }),
    );
    let offset = 0;
    let batch: Row[] = [];
    let headerChecked = false;
    for await (const row of parser as AsyncIterable<Row>) {
      if (!headerChecked) {
        this.checkHeader(source.name, Object.keys(row), mapping);
        headerChecked = true;
      }
      offset++;
      if (offset <= start) continue;
      batch.push(row);
      if (batch.length === batchSize) {
        const ready = batch;
        batch = [];
        yield {
          records: ready,
          cursor: { file: source.name, sha256: source.sha256, offset, complete: false },
        };
      }
    }
    // Read from the first row to the last: every row the file holds has been seen.
    ctx.completeSnapshot = start === 0;
    // The last batch (possibly empty) marks the file complete.
    yield {
      records: batch,
      cursor: { file: source.name, sha256: source.sha256, offset, complete: true },
    };
  }

  override transform(row: Row, ctx: EngineContext<CsvCursor>): CanonicalRecord[] {
    const reader = ctx.state.reader as CsvRowReader;
    return reader.toRecords(row, (ctx.state.mapping as EntityMapping).records);
  }

  override describe(row: Row): string | null {
    const first = Object.values(row)[0];
    return typeof first === 'string' ? first : null;
  }

  private checkHeader(file: string, header: string[], mapping: EntityMapping): void {
    const needed = new Set(
      mapping.records.flatMap((r) =>
        [
          r.external_id,
          ...Object.values(r.fields),
          ...(r.changed_at ? [r.changed_at] : []),
        ].flatMap((s) => CsvRowReader.columnsOf(s)),
      ),
    );
    const missing = [...needed].filter((c) => !header.includes(c));
    if (missing.length > 0) {
      throw new SyncException(
        'VALIDATION_ERROR',
        `${file} lacks the column(s) ${missing.join(', ')} that the mapping reads; it has ${header.join(', ')}`,
      );
    }
  }

  private async source(
    connection: CrmConnection,
    entity: string,
    file: string,
  ): Promise<CsvSource> {
    const settings = CsvEngine.settings(connection);
    if (settings.uploads) {
      const upload = await this.files
        .createQueryBuilder('f')
        .addSelect('f.content')
        .where('f.connection_id = :id AND f.entity = :entity', { id: connection.id, entity })
        .getOne();
      if (!upload)
        throw new SyncException(
          'NOT_FOUND',
          `No file has been uploaded for ${entity} on connection ${connection.id}`,
        );
      return {
        name: upload.filename,
        sha256: upload.sha256,
        open: () => Readable.from([upload.content]),
      };
    }
    if (!settings.folder)
      throw new SyncException(
        'VALIDATION_ERROR',
        'The CSV connection has neither a folder nor uploads',
      );
    const folder = isAbsolute(settings.folder) ? settings.folder : resolve(settings.folder);
    const path = join(folder, file);
    if (!existsSync(path)) throw new SyncException('NOT_FOUND', `CSV file ${path} does not exist`);
    const sha256 = createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
    return { name: file, sha256, open: () => createReadStream(path) };
  }
}
