import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EngineRegistry } from '../engine/engine-registry';
import { CrmConnection } from '../entities/crm-connection.entity';
import { SyncException } from '../sync.exception';

/** CSV files uploaded for a connection, kept in the database so every instance can read them. */
@Injectable()
export class SyncFilesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: EngineRegistry,
  ) {}

  async store(connection: CrmConnection, entity: string, filename: string, content: Buffer) {
    if (connection.provider !== 'csv') {
      throw new SyncException('VALIDATION_ERROR', 'Files can be uploaded to CSV connections only');
    }
    this.registry.get(connection.provider, entity);
    if (content.length === 0) throw new SyncException('VALIDATION_ERROR', 'The file is empty');
    const sha256 = createHash('sha256').update(content).digest('hex');
    await this.dataSource.query(
      `INSERT INTO sync_files (workspace_id, connection_id, entity, filename, content, sha256, size_bytes)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (connection_id, entity) DO UPDATE
         SET filename = EXCLUDED.filename, content = EXCLUDED.content, sha256 = EXCLUDED.sha256,
             size_bytes = EXCLUDED.size_bytes, uploaded_at = now()`,
      [connection.workspaceId, connection.id, entity, filename, content, sha256, content.length],
    );
    return { entity, filename, size_bytes: content.length, sha256 };
  }
}
