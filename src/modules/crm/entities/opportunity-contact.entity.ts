import { Column, Entity } from 'typeorm';
import { SyncedRow } from './synced-row';

@Entity('opportunity_contacts')
export class OpportunityContact extends SyncedRow {
  @Column({ type: 'uuid', nullable: true })
  opportunityId: string | null;

  @Column({ type: 'uuid', nullable: true })
  contactId: string | null;

  @Column({ type: 'varchar', nullable: true })
  role: string | null;

  @Column()
  isPrimary: boolean;
}
