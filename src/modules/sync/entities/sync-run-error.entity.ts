import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type SyncErrorStage = 'fetch' | 'transform' | 'validate' | 'save';

/** A record a run could not take in, and why. */
@Entity('sync_run_errors')
export class SyncRunError {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  workspaceId: string;

  @Column('uuid')
  runId: string;

  @Column({ type: 'varchar', nullable: true })
  externalId: string | null;

  @Column({ type: 'varchar' })
  stage: SyncErrorStage;

  @Column('text')
  reason: string;

  @Column({ type: 'jsonb', nullable: true })
  record: unknown;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
