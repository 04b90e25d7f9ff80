import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type SyncMode = 'full' | 'delta';
export type SyncTrigger = 'cli' | 'cron' | 'api' | 'demo';
export type SyncRunStatus =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'rate_limited'
  | 'abandoned';
export const ACTIVE_STATUSES: SyncRunStatus[] = ['queued', 'running'];

export interface SyncRunOptions {
  full?: boolean;
  dryRun?: boolean;
  since?: string;
  maxRecords?: number;
}

/** One execution of one engine (provider + entity) for one connection. */
@Entity('sync_runs')
export class SyncRun {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  workspaceId: string;

  @Column('uuid')
  connectionId: string;

  @Column()
  provider: string;

  @Column()
  entity: string;

  @Column({ type: 'varchar' })
  mode: SyncMode;

  @Column({ type: 'varchar' })
  trigger: SyncTrigger;

  @Column({ type: 'varchar' })
  status: SyncRunStatus;

  @Column()
  dryRun: boolean;

  @Column({ type: 'jsonb' })
  options: SyncRunOptions;

  @Column({ type: 'timestamptz' })
  queuedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  heartbeatAt: Date | null;

  @Column('int')
  processed: number;

  @Column('int')
  created: number;

  @Column('int')
  updated: number;

  @Column('int')
  unchanged: number;

  @Column('int')
  deleted: number;

  @Column('int')
  failed: number;

  @Column({ type: 'int', nullable: true })
  total: number | null;

  @Column({ type: 'int', nullable: true })
  durationMs: number | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'jsonb', nullable: true })
  cursorBefore: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  cursorAfter: Record<string, unknown> | null;
}
