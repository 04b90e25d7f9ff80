import { Column, Entity } from 'typeorm';
import { SyncedRow } from './synced-row';

@Entity('accounts')
export class Account extends SyncedRow {
  @Column()
  name: string;

  @Column({ type: 'varchar', nullable: true })
  industry: string | null;

  @Column({ type: 'int', nullable: true })
  employees: number | null;

  /** Decimal string (numeric(18,2)): money is never a float. */
  @Column({ type: 'numeric', nullable: true })
  annualRevenue: string | null;

  @Column({ type: 'varchar', nullable: true })
  segment: string | null;

  @Column({ type: 'varchar', nullable: true })
  country: string | null;

  @Column({ type: 'int', nullable: true })
  yearEstablished: number | null;

  @Column({ type: 'uuid', nullable: true })
  parentAccountId: string | null;

  @Column({ type: 'uuid', nullable: true })
  ownerId: string | null;

  @Column()
  isCustomer: boolean;

  @Column({ type: 'numeric', nullable: true })
  arr: string | null;

  @Column({ type: 'char', length: 3 })
  currency: string;
}
