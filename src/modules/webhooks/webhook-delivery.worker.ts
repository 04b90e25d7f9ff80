import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config';
import { EncryptionService } from '../../platform/crypto/encryption.service';
import { EventPublisher } from '../../platform/events/event-publisher.service';
import { sendWebhook, SendResult } from './webhook-sender';
import { signatureHeaders } from './webhook-signer';
import { assertDeliverableUrl, WebhookUrlError } from './webhook-url-guard';

interface Claimed {
  id: string;
  workspace_id: string;
  endpoint_id: string;
  event_id: string;
  attempts: number;
  url: string;
  enabled: boolean;
  secret_encrypted: string;
  type: string;
  occurred_at: Date;
  payload: Record<string, unknown>;
}

interface Outcome {
  delivery: Claimed;
  result: SendResult;
  attemptedAt: Date;
  /** 'succeeded', 'failed' (no more tries), 'pending' (retry at nextAttemptAt), 'cancelled'. */
  status: 'succeeded' | 'failed' | 'pending' | 'cancelled';
  nextAttemptAt: Date;
  gone: boolean;
}

const FANOUT_BATCH = 1000;
const DELIVERY_BATCH = 500;
const ADDRESS_CACHE_MS = 30_000;

/** The webhook body: the API document's payload shape, with the event id receivers deduplicate on. */
export function webhookBody(event: {
  id: string;
  type: string;
  occurredAt: Date;
  payload: unknown;
}): string {
  return JSON.stringify({
    id: event.id,
    event: event.type,
    timestamp: event.occurredAt.toISOString(),
    data: event.payload,
  });
}

/**
 * Delivers committed events, at least once. Each instance runs one loop: fan new events out to
 * the matching enabled endpoints (a delivery row each), then claim due deliveries with FOR
 * UPDATE SKIP LOCKED (so instances share the work and never send the same attempt twice), send
 * them concurrently, and record every attempt in one transaction. A claim is a lease: if the
 * process dies mid-send, the delivery becomes due again and is retried with the same event id.
 * The loop is woken the moment a transaction that published events commits, and polls otherwise.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveryWorker.name);
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private poked = false;
  private readonly addresses = new Map<string, { url: URL; addresses: string[]; until: number }>();
  private readonly secrets = new Map<string, string>();

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly encryption: EncryptionService,
    private readonly publisher: EventPublisher,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.JOBS_ENABLED) return;
    this.publisher.onPublished(() => this.poke());
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.poke();
    await this.loop;
  }

  /** Work now instead of at the next poll. */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = 0;
      try {
        this.poked = false;
        worked += await this.fanOut();
        worked += await this.deliverDue();
      } catch (err) {
        this.logger.error({ err }, 'Webhook worker cycle failed');
      }
      if (worked === 0 && this.running && !this.poked) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.config.WEBHOOK_POLL_INTERVAL_MS);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  /** New events -> one delivery per matching enabled endpoint; the event is then dispatched. */
  async fanOut(): Promise<number> {
    // A top-level UPDATE makes TypeORM answer [rows, count]: keep the statement a SELECT.
    const [row]: Array<{ n: number }> = await this.dataSource.query(
      `WITH ev AS (
         SELECT id, workspace_id, type FROM domain_events WHERE dispatched_at IS NULL
          ORDER BY occurred_at LIMIT ${FANOUT_BATCH} FOR UPDATE SKIP LOCKED
       ), fan AS (
         INSERT INTO webhook_deliveries (workspace_id, endpoint_id, event_id)
         SELECT ev.workspace_id, e.id, ev.id FROM ev
           JOIN webhook_endpoints e ON e.workspace_id = ev.workspace_id AND e.enabled AND ev.type = ANY(e.events)
         RETURNING 1
       ), dispatched AS (
         UPDATE domain_events d SET dispatched_at = clock_timestamp() FROM ev WHERE d.id = ev.id RETURNING d.id
       )
       SELECT count(*)::int AS n FROM dispatched`,
    );
    return row.n;
  }

  async deliverDue(): Promise<number> {
    const lease = Math.ceil(this.config.WEBHOOK_TIMEOUT_MS / 1000) + 30;
    const claimed: Claimed[] = await this.dataSource.query(
      `WITH due AS (
         SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= clock_timestamp()
          ORDER BY next_attempt_at LIMIT ${DELIVERY_BATCH} FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_deliveries d
            SET next_attempt_at = clock_timestamp() + make_interval(secs => ${lease}), attempts = d.attempts + 1,
                updated_at = clock_timestamp()
           FROM due WHERE d.id = due.id
         RETURNING d.id, d.workspace_id, d.endpoint_id, d.event_id, d.attempts
       )
       SELECT c.*, e.url, e.enabled, e.secret_encrypted, ev.type, ev.occurred_at, ev.payload
         FROM claimed c JOIN webhook_endpoints e ON e.id = c.endpoint_id JOIN domain_events ev ON ev.id = c.event_id`,
    );
    if (claimed.length === 0) return 0;
    const outcomes: Outcome[] = [];
    let next = 0;
    const worker = async () => {
      while (next < claimed.length) {
        const delivery = claimed[next++];
        outcomes.push(await this.attempt(delivery));
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.config.WEBHOOK_CONCURRENCY, claimed.length) }, worker),
    );
    await this.record(outcomes);
    return claimed.length;
  }

  private async attempt(d: Claimed): Promise<Outcome> {
    const attemptedAt = new Date();
    if (!d.enabled) {
      return {
        delivery: d,
        attemptedAt,
        status: 'cancelled',
        nextAttemptAt: attemptedAt,
        gone: false,
        result: {
          statusCode: null,
          durationMs: 0,
          responseExcerpt: null,
          error: 'endpoint disabled',
          retryAfterSeconds: null,
        },
      };
    }
    let result: SendResult;
    try {
      const target = await this.checkedAddress(d.url);
      const body = webhookBody({
        id: d.event_id,
        type: d.type,
        occurredAt: new Date(d.occurred_at),
        payload: d.payload,
      });
      const headers = signatureHeaders(
        this.secret(d),
        d.event_id,
        Math.floor(attemptedAt.getTime() / 1000),
        body,
      );
      result = await sendWebhook(
        target.url,
        target.addresses,
        headers,
        body,
        this.config.WEBHOOK_TIMEOUT_MS,
      );
    } catch (err) {
      const message =
        err instanceof WebhookUrlError
          ? `URL refused: ${err.message}`
          : err instanceof Error
            ? err.message
            : String(err);
      result = {
        statusCode: null,
        durationMs: 0,
        responseExcerpt: null,
        error: message,
        retryAfterSeconds: null,
      };
    }
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const gone = result.statusCode === 410;
    const schedule = this.config.WEBHOOK_RETRY_SCHEDULE;
    if (ok)
      return {
        delivery: d,
        result,
        attemptedAt,
        status: 'succeeded',
        nextAttemptAt: attemptedAt,
        gone,
      };
    if (gone || d.attempts > schedule.length)
      return {
        delivery: d,
        result,
        attemptedAt,
        status: 'failed',
        nextAttemptAt: attemptedAt,
        gone,
      };
    const base = schedule[d.attempts - 1] * (0.9 + Math.random() * 0.2);
    const delay = Math.min(Math.max(base, result.retryAfterSeconds ?? 0), 86_400);
    return {
      delivery: d,
      result,
      attemptedAt,
      status: 'pending',
      nextAttemptAt: new Date(attemptedAt.getTime() + delay * 1000),
      gone,
    };
  }

  private secret(d: Claimed): string {
    const key = `${d.endpoint_id}:${d.secret_encrypted}`;
    let secret = this.secrets.get(key);
    if (!secret) {
      secret = this.encryption.decrypt(d.secret_encrypted);
      this.secrets.set(key, secret);
    }
    return secret;
  }

  /** The URL is checked again at delivery (DNS may have changed since registration), cached briefly. */
  private async checkedAddress(url: string): Promise<{ url: URL; addresses: string[] }> {
    const cached = this.addresses.get(url);
    if (cached && cached.until > Date.now()) return cached;
    const checked = await assertDeliverableUrl(url, {
      allowedHosts: this.config.WEBHOOK_ALLOWED_HOSTS,
    });
    this.addresses.set(url, { ...checked, until: Date.now() + ADDRESS_CACHE_MS });
    return checked;
  }

  private async record(outcomes: Outcome[]): Promise<void> {
    const col = <T>(f: (o: Outcome) => T) => outcomes.map(f);
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO webhook_attempts (workspace_id, delivery_id, attempted_at, status_code, duration_ms, response_excerpt, error)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::int[], $5::int[], $6::text[], $7::text[])`,
        [
          col((o) => o.delivery.workspace_id),
          col((o) => o.delivery.id),
          col((o) => o.attemptedAt.toISOString()),
          col((o) => o.result.statusCode),
          col((o) => o.result.durationMs),
          col((o) => o.result.responseExcerpt),
          col((o) => o.result.error),
        ],
      );
      await m.query(
        `UPDATE webhook_deliveries d SET status = u.status, next_attempt_at = u.next_attempt_at, last_status_code = u.code,
                last_error = u.error, delivered_at = CASE WHEN u.status = 'succeeded' THEN u.attempted_at END, updated_at = clock_timestamp()
           FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::int[], $5::text[], $6::timestamptz[])
             AS u(id, status, next_attempt_at, code, error, attempted_at)
          WHERE d.id = u.id`,
        [
          col((o) => o.delivery.id),
          col((o) => o.status),
          col((o) => o.nextAttemptAt.toISOString()),
          col((o) => o.result.statusCode),
          col((o) =>
            o.status === 'succeeded' ? null : (o.result.error ?? `HTTP ${o.result.statusCode}`),
          ),
          col((o) => o.attemptedAt.toISOString()),
        ],
      );
      const succeeded = [
        ...new Set(
          outcomes.filter((o) => o.status === 'succeeded').map((o) => o.delivery.endpoint_id),
        ),
      ];
      const failing = [
        ...new Set(
          outcomes
            .filter((o) => o.status === 'pending' || o.status === 'failed')
            .map((o) => o.delivery.endpoint_id),
        ),
      ];
      const gone = [...new Set(outcomes.filter((o) => o.gone).map((o) => o.delivery.endpoint_id))];
      if (succeeded.length) {
        await m.query(
          `UPDATE webhook_endpoints SET last_success_at = clock_timestamp(), failing_since = NULL WHERE id = ANY($1::uuid[])`,
          [succeeded],
        );
      }
      if (failing.length) {
        await m.query(
          `UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, clock_timestamp()) WHERE id = ANY($1::uuid[]) AND NOT (id = ANY($2::uuid[]))`,
          [failing, succeeded],
        );
        // An endpoint that has not taken one delivery for the configured period is switched off.
        await m.query(
          `UPDATE webhook_endpoints SET enabled = false, disabled_at = clock_timestamp(),
                  disabled_reason = 'No successful delivery since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            WHERE id = ANY($1::uuid[]) AND enabled AND failing_since < clock_timestamp() - make_interval(secs => $2)`,
          [failing, this.config.WEBHOOK_DISABLE_AFTER_SECONDS],
        );
      }
      if (gone.length) {
        await m.query(
          `UPDATE webhook_endpoints SET enabled = false, disabled_at = clock_timestamp(), disabled_reason = 'The endpoint answered 410 Gone'
            WHERE id = ANY($1::uuid[]) AND enabled`,
          [gone],
        );
      }
    });
    for (const o of outcomes.filter((x) => x.status !== 'succeeded')) {
      this.logger.warn(
        {
          delivery_id: o.delivery.id,
          event_id: o.delivery.event_id,
          endpoint_id: o.delivery.endpoint_id,
          attempt: o.delivery.attempts,
          status: o.status,
          code: o.result.statusCode,
          error: o.result.error,
        },
        'Webhook delivery attempt failed',
      );
    }
  }
}
