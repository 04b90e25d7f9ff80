import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { Tier } from '../config/app-config';
import { hashSecret, randomToken, secretMatches } from '../crypto/secrets';
import { AppException } from '../http/app.exception';
import { WorkspaceScopedRepository } from '../workspace/workspace-scoped.repository';
import { Workspace } from '../workspace/workspace.entity';
import { ApiClient } from './api-client.entity';
import { ApiKey } from './api-key.entity';
import { Principal, Scope, SCOPES } from './auth.types';

const KEY_PATTERN = /^(rhk_[A-Za-z0-9]{12})_([A-Za-z0-9]{40})$/;
/** Don't write last_used_at on every request: once a minute per credential is enough to audit. */
const TOUCH_INTERVAL_MS = 60_000;

export interface IssuedClient {
  client: ApiClient;
  clientSecret: string;
}

export interface IssuedKey {
  key: ApiKey;
  apiKey: string;
}

/** API clients and API keys: creation (secret shown once), verification and revocation. */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger(CredentialsService.name);
  private readonly keys: WorkspaceScopedRepository<ApiKey>;
  private readonly lastTouched = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(ApiClient) private readonly clients: Repository<ApiClient>,
    @InjectRepository(ApiKey) keys: Repository<ApiKey>,
  ) {
    this.keys = new WorkspaceScopedRepository(keys, 'API key');
  }

  async createClient(
    workspaceId: string,
    input: { name: string; scopes?: Scope[]; clientId?: string; clientSecret?: string },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<IssuedClient> {
    const clientSecret = input.clientSecret ?? `rhs_${randomToken(40)}`;
    const client = manager.getRepository(ApiClient).create({
      workspaceId,
      clientId: input.clientId ?? `rhc_${randomToken(20)}`,
      name: input.name,
      secretHash: hashSecret(clientSecret),
      scopes: input.scopes ?? [...SCOPES],
    });
    await manager.getRepository(ApiClient).insert(client);
    return { client, clientSecret };
  }

  async createApiKey(
    workspaceId: string,
    input: { apiClientId: string; name: string; scopes?: Scope[]; expiresAt?: Date | null },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<IssuedKey> {
    const owner = await manager
      .getRepository(ApiClient)
      .findOneBy({ id: input.apiClientId, workspaceId });
    if (!owner) throw AppException.notFound('API client', input.apiClientId);
    const scopes = input.scopes ?? owner.scopes;
    const excess = scopes.filter((s) => !owner.scopes.includes(s));
    if (excess.length > 0) {
      throw AppException.validation(`The client does not hold the scope(s) ${excess.join(', ')}`, [
        { field: 'scopes', message: `not granted to the client: ${excess.join(', ')}` },
      ]);
    }
    const prefix = `rhk_${randomToken(12)}`;
    const apiKey = `${prefix}_${randomToken(40)}`;
    const key = manager.getRepository(ApiKey).create({
      workspaceId,
      apiClientId: owner.id,
      name: input.name,
      prefix,
      keyHash: hashSecret(apiKey),
      scopes,
      expiresAt: input.expiresAt ?? null,
    });
    await manager.getRepository(ApiKey).insert(key);
    return { key, apiKey };
  }

  /** Checks a client_id/secret pair; undefined for anything wrong, with no hint which part. */
  async verifyClient(
    clientId: string,
    clientSecret: string,
  ): Promise<(ApiClient & { tier: Tier }) | undefined> {
    const row = await this.clients
      .createQueryBuilder('c')
      .addSelect('c.secretHash')
      .innerJoin(Workspace, 'w', 'w.id = c.workspace_id')
      .addSelect('w.tier', 'tier')
      .where('c.client_id = :clientId', { clientId })
      .getRawAndEntities();
    const client = row.entities[0];
    if (!client || client.revokedAt || !secretMatches(clientSecret, client.secretHash))
      return undefined;
    this.touch('api_clients', client.id);
    return Object.assign(client, { tier: row.raw[0].tier as Tier });
  }

  /** Is this client still allowed to use the tokens it was issued? (revocation takes effect at once) */
  async clientActive(clientId: string): Promise<boolean> {
    const client = await this.clients.findOneBy({ id: clientId });
    return !!client && !client.revokedAt;
  }

  async authenticateApiKey(apiKey: string): Promise<Principal | undefined> {
    const match = KEY_PATTERN.exec(apiKey);
    if (!match) return undefined;
    const rows: Array<{
      id: string;
      key_hash: string;
      scopes: Scope[];
      workspace_id: string;
      api_client_id: string;
      client_key: string;
      tier: Tier;
    }> = await this.dataSource.query(
      `SELECT k.id, k.key_hash, k.scopes, k.workspace_id, k.api_client_id, c.client_id AS client_key, w.tier
         FROM api_keys k
         JOIN api_clients c ON c.id = k.api_client_id AND c.revoked_at IS NULL
         JOIN workspaces w ON w.id = k.workspace_id
        WHERE k.prefix = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`,
      [match[1]],
    );
    const row = rows[0];
    if (!row || !secretMatches(apiKey, row.key_hash)) return undefined;
    this.touch('api_keys', row.id);
    return {
      workspaceId: row.workspace_id,
      tier: row.tier,
      clientId: row.api_client_id,
      clientKey: row.client_key,
      scopes: row.scopes,
      via: 'api_key',
      apiKeyId: row.id,
    };
  }

  listKeys(workspaceId: string, limit: number, offset: number) {
    return this.keys.findAndCount(workspaceId, {
      order: { createdAt: 'DESC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  getKey(workspaceId: string, id: string) {
    return this.keys.get(workspaceId, id);
  }

  async revokeKey(workspaceId: string, id: string): Promise<ApiKey> {
    const key = await this.keys.get(workspaceId, id);
    if (key.revokedAt) return key;
    return this.keys.update(workspaceId, id, { revokedAt: new Date() });
  }

  listClients(workspaceId: string): Promise<ApiClient[]> {
    return this.clients.find({ where: { workspaceId }, order: { createdAt: 'ASC' } });
  }

  findClient(clientId: string): Promise<ApiClient | null> {
    return this.clients.findOneBy({ clientId });
  }

  async revokeClient(clientId: string): Promise<ApiClient> {
    const client = await this.clients.findOneBy({ clientId });
    if (!client) throw AppException.notFound('API client', clientId);
    client.revokedAt = client.revokedAt ?? new Date();
    return this.clients.save(client);
  }

  /** Ensures the configured bootstrap client exists with this secret and every scope. */
  async ensureBootstrapClient(
    workspaceId: string,
    clientId: string,
    clientSecret: string,
  ): Promise<void> {
    const existing = await this.clients.findOneBy({ clientId });
    if (!existing) {
      await this.createClient(workspaceId, { name: 'Bootstrap client', clientId, clientSecret });
      this.logger.log(`Created bootstrap client ${clientId}`);
      return;
    }
    await this.clients.update(
      { id: existing.id },
      { secretHash: hashSecret(clientSecret), scopes: [...SCOPES], revokedAt: null },
    );
  }

  private touch(table: 'api_clients' | 'api_keys', id: string): void {
    const now = Date.now();
    if (now - (this.lastTouched.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.lastTouched.set(id, now);
    this.dataSource
      .query(`UPDATE ${table} SET last_used_at = now() WHERE id = $1`, [id])
      .catch((err) => this.logger.warn({ err }, `Could not record last use of ${table} ${id}`));
  }
}
