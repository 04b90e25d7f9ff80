import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { EncryptionService } from '../../../platform/crypto/encryption.service';
import { WorkspaceScopedRepository } from '../../../platform/workspace/workspace-scoped.repository';
import { EngineRegistry } from '../engine/engine-registry';
import { CrmConnection } from '../entities/crm-connection.entity';
import { SyncException } from '../sync.exception';
import { validateCron } from './cron';

export interface ConnectionInput {
  provider: string;
  name: string;
  settings?: Record<string, unknown>;
  credentials?: Record<string, string>;
  schedules?: Record<string, string>;
  enabled?: boolean;
}

/** A workspace's CRM connections. Credentials go in encrypted and never come back out of the API. */
@Injectable()
export class ConnectionsService {
  private readonly connections: WorkspaceScopedRepository<CrmConnection>;
  private readonly listeners: Array<(c: CrmConnection, removed: boolean) => void> = [];

  constructor(
    @InjectRepository(CrmConnection) repository: Repository<CrmConnection>,
    private readonly encryption: EncryptionService,
    private readonly registry: EngineRegistry,
  ) {
    this.connections = new WorkspaceScopedRepository(repository, 'Connection');
  }

  /** Called on every create, update and delete (the scheduler re-reads cron schedules). */
  onChange(listener: (c: CrmConnection, removed: boolean) => void): void {
    this.listeners.push(listener);
  }

  list(workspaceId: string): Promise<CrmConnection[]> {
    return this.connections.find(workspaceId, { order: { createdAt: 'ASC' } });
  }

  listEnabledEverywhere(): Promise<CrmConnection[]> {
    return this.connections.repository.find({ where: { enabled: true } });
  }

  get(workspaceId: string, id: string): Promise<CrmConnection> {
    return this.connections.get(workspaceId, id);
  }

  /** The connection to use when a caller names only the provider. */
  async resolve(workspaceId: string, provider: string, id?: string): Promise<CrmConnection> {
    if (id) {
      const connection = await this.get(workspaceId, id);
      if (connection.provider !== provider) {
        throw new SyncException(
          'VALIDATION_ERROR',
          `Connection ${id} is a ${connection.provider} connection, not ${provider}`,
          [{ field: 'connection_id', message: `belongs to provider ${connection.provider}` }],
        );
      }
      return connection;
    }
    const candidates = (await this.connections.find(workspaceId, { where: { provider } })).filter(
      (c) => c.enabled,
    );
    if (candidates.length === 0)
      throw new SyncException('NOT_FOUND', `This workspace has no enabled ${provider} connection`);
    if (candidates.length > 1) {
      throw new SyncException(
        'VALIDATION_ERROR',
        `This workspace has ${candidates.length} ${provider} connections: name one`,
        [
          {
            field: 'connection_id',
            message: `one of ${candidates.map((c) => `${c.id} (${c.name})`).join(', ')}`,
          },
        ],
      );
    }
    return candidates[0];
  }

  async credentials(connection: CrmConnection): Promise<Record<string, string>> {
    const row = await this.connections.repository
      .createQueryBuilder('c')
      .addSelect('c.credentialsEncrypted')
      .where('c.id = :id AND c.workspace_id = :ws', {
        id: connection.id,
        ws: connection.workspaceId,
      })
      .getOne();
    return row?.credentialsEncrypted
      ? JSON.parse(this.encryption.decrypt(row.credentialsEncrypted))
      : {};
  }

  /**
   * Replaces a connection's credentials (encrypted), e.g. with an OAuth access token an engine
   * refreshed during a run. No change event: schedules are untouched.
   */
  async storeCredentials(
    connection: CrmConnection,
    credentials: Record<string, string>,
  ): Promise<void> {
    await this.connections.update(connection.workspaceId, connection.id, {
      credentialsEncrypted: this.encryption.encrypt(JSON.stringify(credentials)),
    });
  }

  async create(workspaceId: string, input: ConnectionInput): Promise<CrmConnection> {
    this.check(input.provider, input.schedules);
    const existing = await this.connections.find(workspaceId, {
      where: { provider: input.provider, name: input.name },
    });
    if (existing.length > 0) {
      throw new SyncException(
        'CONFLICT',
        `A ${input.provider} connection named "${input.name}" exists: ${existing[0].id}`,
      );
    }
    const repo = this.connections.repository;
    const saved = await repo.save(
      repo.create({
        workspaceId,
        provider: input.provider,
        name: input.name,
        settings: input.settings ?? {},
        credentialsEncrypted: input.credentials
          ? this.encryption.encrypt(JSON.stringify(input.credentials))
          : null,
        schedules: input.schedules ?? {},
        enabled: input.enabled ?? true,
      }),
    );
    const connection = await this.get(workspaceId, saved.id);
    this.emit(connection, false);
    return connection;
  }

  async update(
    workspaceId: string,
    id: string,
    input: Partial<Omit<ConnectionInput, 'provider'>>,
  ): Promise<CrmConnection> {
    const connection = await this.get(workspaceId, id);
    this.check(connection.provider, input.schedules);
    const changes: Partial<CrmConnection> = {};
    if (input.name !== undefined) changes.name = input.name;
    if (input.settings !== undefined) changes.settings = input.settings;
    if (input.schedules !== undefined) changes.schedules = input.schedules;
    if (input.enabled !== undefined) changes.enabled = input.enabled;
    if (input.credentials !== undefined)
      changes.credentialsEncrypted = this.encryption.encrypt(JSON.stringify(input.credentials));
    await this.connections.update(workspaceId, id, changes);
    const updated = await this.get(workspaceId, id);
    this.emit(updated, false);
    return updated;
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    const connection = await this.get(workspaceId, id);
    await this.connections.remove(workspaceId, id);
    this.emit(connection, true);
  }

  private check(provider: string, schedules?: Record<string, string>): void {
    const entities = this.registry.entitiesOf(provider);
    if (entities.length === 0) {
      throw new SyncException('VALIDATION_ERROR', `Unknown provider "${provider}"`, [
        { field: 'provider', message: `one of ${this.registry.providers().join(', ')}` },
      ]);
    }
    for (const [entity, cron] of Object.entries(schedules ?? {})) {
      if (entity !== 'all' && !entities.includes(entity)) {
        throw new SyncException('VALIDATION_ERROR', `${provider} has no entity "${entity}"`, [
          { field: `schedules.${entity}`, message: `one of all, ${entities.join(', ')}` },
        ]);
      }
      const problem = validateCron(cron);
      if (problem)
        throw new SyncException('VALIDATION_ERROR', `Invalid cron for ${entity}: ${problem}`, [
          { field: `schedules.${entity}`, message: problem },
        ]);
    }
  }

  private emit(connection: CrmConnection, removed: boolean): void {
    for (const listener of this.listeners) listener(connection, removed);
  }
}
