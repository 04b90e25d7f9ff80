import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import type { Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { AppConfig } from '../config/app-config';

export type JobHandler<T> = (data: T, job: PgBoss.Job<T>) => Promise<void>;

export interface QueueDefinition {
  /** 'singleton': at most one job of the queue active at a time; 'stately': also one queued. */
  policy?: PgBoss.QueuePolicy;
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
  /** Jobs a worker takes per fetch (handled one by one). */
  batchSize?: number;
}

export interface SendOptions {
  /** Enqueue inside this transaction, so the job exists only if the transaction commits. */
  manager?: EntityManager;
  singletonKey?: string;
  startAfterSeconds?: number;
  id?: string;
}

type Queryable = { query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };

const adapter = (conn: Queryable): PgBoss.Db => ({
  executeSql: (text, values) => conn.query(text, values),
});

/**
 * The durable job queue: pg-boss on the application's own PostgreSQL (or embedded) database.
 * Jobs are rows taken with SELECT ... FOR UPDATE SKIP LOCKED, so any number of instances share
 * the work and each job runs once; a job enqueued inside a transaction commits with it.
 */
@Injectable()
export class QueueService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(QueueService.name);
  private readonly boss: PgBoss;
  private started = false;
  private readonly queues = new Set<string>();

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {
    const common: PgBoss.ConstructorOptions = {
      schema: 'pgboss',
      supervise: config.JOBS_ENABLED,
      schedule: false, // schedules are @nestjs/schedule crons that enqueue
      migrate: true,
      pollingIntervalSeconds: config.JOBS_POLL_INTERVAL_SECONDS,
    };
    // The embedded database is one session: pg-boss must queue behind TypeORM on the same pool.
    this.boss = config.DATABASE_URL
      ? new PgBoss({
          ...common,
          connectionString: config.DATABASE_URL,
          max: 4,
          application_name: 'revops-hub-jobs',
        })
      : new PgBoss({ ...common, db: adapter(this.pool()) });
    this.boss.on('error', (err) => this.logger.error({ err }, 'Job queue error'));
  }

  async onModuleInit(): Promise<void> {
    await this.boss.start();
    this.started = true;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }

  get isRunning(): boolean {
    return this.started;
  }

  /** Declares a queue and, when this instance runs workers, starts working it. */
  async register<T extends object>(
    name: string,
    handler: JobHandler<T> | null,
    def: QueueDefinition = {},
  ): Promise<void> {
    await this.boss.createQueue(name, {
      name,
      policy: def.policy ?? 'standard',
      retryLimit: def.retryLimit ?? 3,
      retryDelay: def.retryDelaySeconds ?? 10,
      retryBackoff: def.retryBackoff ?? true,
      expireInSeconds: def.expireInSeconds ?? 3600,
    });
    this.queues.add(name);
    if (!handler || !this.config.JOBS_ENABLED) return;
    await this.boss.work<T>(name, { batchSize: def.batchSize ?? 1 }, async (jobs) => {
      for (const job of jobs) {
        this.logger.debug({ queue: name, job_id: job.id }, 'Job started');
        await handler(job.data, job);
      }
    });
  }

  async send<T extends object>(
    name: string,
    data: T,
    options: SendOptions = {},
  ): Promise<string | null> {
    if (!this.queues.has(name)) throw new Error(`Queue ${name} is not registered`);
    const db = options.manager?.queryRunner?.isTransactionActive
      ? adapter(
          options.manager.queryRunner.connection.driver instanceof PostgresDriver
            ? (options.manager.queryRunner as unknown as { databaseConnection: Queryable })
                .databaseConnection
            : this.pool(),
        )
      : undefined;
    return this.boss.send(name, data, {
      db,
      id: options.id,
      singletonKey: options.singletonKey,
      startAfter: options.startAfterSeconds,
    });
  }

  /** State of jobs, for run status pages and tests. */
  getJob<T extends object>(name: string, id: string) {
    return this.boss.getJobById<T>(name, id);
  }

  private pool(): Pool {
    return (this.dataSource.driver as PostgresDriver).master as Pool;
  }
}
