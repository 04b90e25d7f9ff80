import { Column, Entity } from 'typeorm';
import { SyncedRow } from './synced-row';

export type ActivityType = 'call' | 'meeting' | 'email' | 'task' | 'note' | 'sms';

@Entity('activities')
export class Activity extends SyncedRow {
  @Column({ type: 'varchar' })
  type: ActivityType;

  @Column({ type: 'varchar', nullable: true })
  subject: string | null;

  @Column({ type: 'varchar', nullable: true })
  direction: 'inbound' | 'outbound' | null;

  @Column({ type: 'timestamptz' })
  occurredAt: Date;

  @Column({ type: 'int', nullable: true })
  durationSeconds: number | null;

  @Column({ type: 'uuid', nullable: true })
  opportunityId: string | null;

  @Column({ type: 'uuid', nullable: true })
  accountId: string | null;

  @Column({ type: 'uuid', nullable: true })
  contactId: string | null;

  @Column({ type: 'uuid', nullable: true })
  leadId: string | null;

  @Column({ type: 'uuid', nullable: true })
  ownerId: string | null;
}
