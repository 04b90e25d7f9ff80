import { Column, Entity } from 'typeorm';
import { SyncedRow } from './synced-row';

@Entity('quotas')
export class Quota extends SyncedRow {
  @Column({ type: 'uuid', nullable: true })
  userId: string | null;

  @Column()
  userExternalId: string;

  @Column({ type: 'date' })
  periodStart: string;

  @Column({ type: 'date' })
  periodEnd: string;

  @Column({ type: 'numeric' })
  amount: string;

  @Column({ type: 'char', length: 3 })
  currency: string;
}
