import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

/** A workspace's connection to one CRM account. Credentials are stored encrypted only. */
@Entity('crm_connections')
export class CrmConnection {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  workspaceId: string;

  @Column()
  provider: string;

  @Column()
  name: string;

  @Column({ type: 'jsonb' })
  settings: Record<string, unknown>;

  @Column({ type: 'text', nullable: true, select: false })
  credentialsEncrypted: string | null;

  /** entity => cron expression */
  @Column({ type: 'jsonb' })
  schedules: Record<string, string>;

  @Column()
  enabled: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
