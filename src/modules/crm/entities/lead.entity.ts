import { Column, Entity } from 'typeorm';
import { SyncedRow } from './synced-row';

export type LeadStatus = 'new' | 'contacted' | 'qualified' | 'converted' | 'lost';

@Entity('leads')
export class Lead extends SyncedRow {
  @Column()
  name: string;

  @Column({ type: 'varchar', nullable: true })
  email: string | null;

  @Column({ type: 'varchar', nullable: true })
  phone: string | null;

  @Column({ type: 'varchar', nullable: true })
  company: string | null;

  @Column({ type: 'varchar', nullable: true })
  leadSource: string | null;

  @Column({ type: 'varchar' })
  status: LeadStatus;

  @Column({ type: 'text', nullable: true })
  notes: string | null;

  @Column({ type: 'uuid', nullable: true })
  ownerId: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  sourceCreatedAt: Date | null;
}
