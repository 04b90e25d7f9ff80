import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, FindOptionsWhere, Repository } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config';
import { EncryptionService } from '../../platform/crypto/encryption.service';
import { EventPublisher } from '../../platform/events/event-publisher.service';
import { SUBSCRIBABLE_EVENTS } from '../../platform/events/event-types';
import { AppException } from '../../platform/http/app.exception';
import { WorkspaceScopedRepository } from '../../platform/workspace/workspace-scoped.repository';
import { WebhookAttempt } from './entities/webhook-attempt.entity';
import { DeliveryStatus, WebhookDelivery } from './entities/webhook-delivery.entity';
import { WebhookEndpoint } from './entities/webhook-endpoint.entity';
import { generateWebhookSecret, isValidWebhookSecret } from './webhook-signer';
import { assertDeliverableUrl, WebhookUrlError } from './webhook-url-guard';

export interface EndpointInput {
  url: string;
  events: string[];
  secret?: string;
  description?: string;
}

/** Webhook endpoints and their deliveries, always within the caller's workspace. */
@Injectable()
export class WebhooksService {
  private readonly endpoints: WorkspaceScopedRepository<WebhookEndpoint>;
  private readonly deliveries: WorkspaceScopedRepository<WebhookDelivery>;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly encryption: EncryptionService,
    private readonly publisher: EventPublisher,
    @InjectRepository(WebhookEndpoint) endpoints: Repository<WebhookEndpoint>,
    @InjectRepository(WebhookDelivery) deliveries: Repository<WebhookDelivery>,
    @InjectRepository(WebhookAttempt) private readonly attempts: Repository<WebhookAttempt>,
  ) {
    this.endpoints = new WorkspaceScopedRepository(endpoints, 'Webhook endpoint');
    this.deliveries = new WorkspaceScopedRepository(deliveries, 'Delivery');
  }

  list(workspaceId: string): Promise<WebhookEndpoint[]> {
    return this.endpoints.find(workspaceId, { order: { createdAt: 'ASC', id: 'ASC' } });
  }

  get(workspaceId: string, id: string): Promise<WebhookEndpoint> {
    return this.endpoints.get(workspaceId, id);
  }

  /** Returns the secret only when it was generated here (it is shown once). */
  async create(
    workspaceId: string,
    input: EndpointInput,
  ): Promise<{ endpoint: WebhookEndpoint; secret?: string }> {
    await this.checkUrl(input.url);
    this.checkEvents(input.events);
    if (input.secret !== undefined) this.checkSecret(input.secret);
    const secret = input.secret ?? generateWebhookSecret();
    const repo = this.endpoints.repository;
    const saved = await repo.save(
      repo.create({
        workspaceId,
        url: input.url,
        description: input.description ?? null,
        events: [...new Set(input.events)],
        secretEncrypted: this.encryption.encrypt(secret),
        enabled: true,
      }),
    );
    return {
      endpoint: await this.get(workspaceId, saved.id),
      secret: input.secret === undefined ? secret : undefined,
    };
  }

  async update(
    workspaceId: string,
    id: string,
    input: Partial<Pick<EndpointInput, 'url' | 'events' | 'description'>> & { enabled?: boolean },
  ) {
    const endpoint = await this.get(workspaceId, id);
    if (input.url !== undefined) await this.checkUrl(input.url);
    if (input.events !== undefined) this.checkEvents(input.events);
    const changes: Partial<WebhookEndpoint> = {};
    if (input.url !== undefined) changes.url = input.url;
    if (input.events !== undefined) changes.events = [...new Set(input.events)];
    if (input.description !== undefined) changes.description = input.description;
    if (input.enabled !== undefined) {
      changes.enabled = input.enabled;
      // Re-enabling starts afresh; disabling by hand records who decided it.
      changes.disabledAt = input.enabled ? null : (endpoint.disabledAt ?? new Date());
      changes.disabledReason = input.enabled
        ? null
        : (endpoint.disabledReason ?? 'Disabled through the API');
      if (input.enabled) changes.failingSince = null;
    }
    return this.endpoints.update(workspaceId, id, changes);
  }

  async remove(workspaceId: string, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.get(workspaceId, id);
    await this.endpoints.remove(workspaceId, id);
    return endpoint;
  }

  async rotateSecret(workspaceId: string, id: string, secret?: string): Promise<string> {
    await this.get(workspaceId, id);
    if (secret !== undefined) this.checkSecret(secret);
    const next = secret ?? generateWebhookSecret();
    await this.endpoints.update(workspaceId, id, {
      secretEncrypted: this.encryption.encrypt(next),
    });
    return next;
  }

  /** A `webhook.test` event delivered to this endpoint only. */
  async sendTest(workspaceId: string, id: string): Promise<WebhookDelivery> {
    const endpoint = await this.get(workspaceId, id);
    return this.dataSource.transaction(async (m) => {
      const event = await this.publisher.publish(m, workspaceId, 'webhook.test', {
        message: 'A test event from RevOps Hub',
        endpoint_id: endpoint.id,
      });
      await m.query(`UPDATE domain_events SET dispatched_at = clock_timestamp() WHERE id = $1`, [
        event.id,
      ]);
      const [row] = await m.query(
        `INSERT INTO webhook_deliveries (workspace_id, endpoint_id, event_id) VALUES ($1, $2, $3) RETURNING id`,
        [workspaceId, endpoint.id, event.id],
      );
      return m.getRepository(WebhookDelivery).findOneByOrFail({ id: row.id });
    });
  }

  listDeliveries(
    workspaceId: string,
    endpointId: string,
    filter: { status?: DeliveryStatus },
    limit: number,
    offset: number,
  ) {
    const where: FindOptionsWhere<WebhookDelivery> = { endpointId };
    if (filter.status) where.status = filter.status;
    return this.deliveries.findAndCount(workspaceId, {
      where,
      order: { createdAt: 'DESC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  attemptsOf(deliveryIds: string[]): Promise<WebhookAttempt[]> {
    if (deliveryIds.length === 0) return Promise.resolve([]);
    return this.attempts
      .createQueryBuilder('a')
      .where('a.delivery_id IN (:...ids)', { ids: deliveryIds })
      .orderBy('a.attempted_at', 'ASC')
      .getMany();
  }

  async eventsOf(eventIds: string[]): Promise<Map<string, { type: string; occurred_at: Date }>> {
    if (eventIds.length === 0) return new Map();
    const rows: Array<{ id: string; type: string; occurred_at: Date }> =
      await this.dataSource.query(
        `SELECT id, type, occurred_at FROM domain_events WHERE id = ANY($1)`,
        [eventIds],
      );
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Sends a delivery again now (whatever its state), with the same event id. */
  async retryDelivery(
    workspaceId: string,
    endpointId: string,
    deliveryId: string,
  ): Promise<WebhookDelivery> {
    const delivery = await this.deliveries.get(workspaceId, deliveryId);
    if (delivery.endpointId !== endpointId) throw AppException.notFound('Delivery', deliveryId);
    const endpoint = await this.get(workspaceId, endpointId);
    if (!endpoint.enabled)
      throw new AppException(
        'CONFLICT',
        'The endpoint is disabled: enable it first (PATCH enabled: true)',
      );
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = clock_timestamp(), updated_at = clock_timestamp() WHERE id = $1`,
      [deliveryId],
    );
    return this.deliveries.get(workspaceId, deliveryId);
  }

  /** New deliveries of every event of [from, to) the endpoint subscribes to (or of `events`). */
  async replay(
    workspaceId: string,
    endpointId: string,
    from: Date,
    to: Date,
    events?: string[],
  ): Promise<number> {
    const endpoint = await this.get(workspaceId, endpointId);
    if (events) this.checkEvents(events);
    if (!(from < to))
      throw AppException.validation('from must be before to', [
        { field: 'from', message: 'must be before to' },
      ]);
    const types = events ?? endpoint.events;
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO webhook_deliveries (workspace_id, endpoint_id, event_id)
       SELECT workspace_id, $2, id FROM domain_events
        WHERE workspace_id = $1 AND occurred_at >= $3 AND occurred_at < $4 AND type = ANY($5::text[])
        ORDER BY occurred_at
       RETURNING id`,
      [workspaceId, endpointId, from.toISOString(), to.toISOString(), types],
    );
    return rows.length;
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await assertDeliverableUrl(url, { allowedHosts: this.config.WEBHOOK_ALLOWED_HOSTS });
    } catch (err) {
      if (err instanceof WebhookUrlError) {
        throw AppException.validation(`The webhook URL is not allowed: ${err.message}`, [
          { field: 'url', message: err.message },
        ]);
      }
      throw err;
    }
  }

  private checkEvents(events: string[]): void {
    const unknown = events.filter((e) => !(SUBSCRIBABLE_EVENTS as string[]).includes(e));
    if (events.length === 0 || unknown.length > 0) {
      throw AppException.validation(
        events.length === 0
          ? 'Subscribe to at least one event'
          : `Unknown event type(s): ${unknown.join(', ')}`,
        [{ field: 'events', message: `each one of ${SUBSCRIBABLE_EVENTS.join(', ')}` }],
      );
    }
  }

  private checkSecret(secret: string): void {
    if (
      secret.length < 16 ||
      secret.length > 200 ||
      (secret.startsWith('whsec_') && !isValidWebhookSecret(secret))
    ) {
      throw AppException.validation(
        'The secret must be 16-200 characters (a whsec_ secret must be valid base64)',
        [{ field: 'secret', message: 'invalid secret' }],
      );
    }
  }
}
