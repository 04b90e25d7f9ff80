import { Column, Entity } from 'typeorm';
import { SyncedRow } from './synced-row';

@Entity('products')
export class Product extends SyncedRow {
  @Column()
  name: string;

  @Column({ type: 'varchar', nullable: true })
  family: string | null;

  @Column({ type: 'numeric', nullable: true })
  listPrice: string | null;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column()
  active: boolean;
}
