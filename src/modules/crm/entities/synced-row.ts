import { Column, CreateDateColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** Columns every synced canonical row has (see the CRM model migration). */
export abstract class SyncedRow {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  workspaceId: string;

  @Column({ type: 'uuid', nullable: true })
  connectionId: string | null;

  @Column()
  source: string;

  @Column()
  externalId: string;

  @Column({ type: 'jsonb', select: false })
  raw: unknown;

  @Column({ type: 'char', length: 64, select: false })
  contentHash: string;

  @Column({ type: 'timestamptz' })
  syncedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
