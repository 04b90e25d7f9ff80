import { Column, Entity } from 'typeorm';
import { SyncedRow } from './synced-row';

export type CrmUserRole = 'rep' | 'manager' | 'admin' | 'other';

/** A CRM user: a rep, their manager, or anyone else who owns records. */
@Entity('crm_users')
export class CrmUser extends SyncedRow {
  @Column()
  name: string;

  @Column({ type: 'varchar', nullable: true })
  email: string | null;

  @Column({ type: 'varchar', nullable: true })
  title: string | null;

  @Column({ type: 'varchar' })
  role: CrmUserRole;

  @Column({ type: 'uuid', nullable: true })
  managerId: string | null;

  @Column({ type: 'varchar', nullable: true })
  managerExternalId: string | null;

  @Column({ type: 'varchar', nullable: true })
  team: string | null;

  @Column({ type: 'varchar', nullable: true })
  office: string | null;

  @Column()
  active: boolean;
}
