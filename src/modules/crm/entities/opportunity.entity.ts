import { Column, Entity } from 'typeorm';
import { SyncedRow } from './synced-row';

export type OpportunityStatus = 'open' | 'won' | 'lost';
export type ForecastCategory = 'pipeline' | 'best_case' | 'commit' | 'closed' | 'omitted';

@Entity('opportunities')
export class Opportunity extends SyncedRow {
  @Column()
  name: string;

  @Column({ type: 'uuid', nullable: true })
  accountId: string | null;

  @Column({ type: 'uuid', nullable: true })
  ownerId: string | null;

  @Column({ type: 'uuid', nullable: true })
  productId: string | null;

  /** Decimal string (numeric(18,2)). */
  @Column({ type: 'numeric', nullable: true })
  amount: string | null;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column()
  stage: string;

  /** The pipeline the stage belongs to (HubSpot deals), as its label. */
  @Column({ type: 'varchar', nullable: true })
  pipeline: string | null;

  /** Decimal string 0-1 (numeric(5,4)). */
  @Column({ type: 'numeric', nullable: true })
  probability: string | null;

  @Column({ type: 'varchar', nullable: true })
  forecastCategory: ForecastCategory | null;

  @Column({ type: 'varchar' })
  status: OpportunityStatus;

  /** YYYY-MM-DD: the actual close date of a closed deal, the expected one of an open deal. */
  @Column({ type: 'date', nullable: true })
  closeDate: string | null;

  @Column({ type: 'date', nullable: true })
  createdDate: string | null;

  @Column({ type: 'text', nullable: true })
  nextStep: string | null;

  @Column({ type: 'varchar', nullable: true })
  segment: string | null;

  @Column({ type: 'varchar', nullable: true })
  leadSource: string | null;

  /** Fields filled by the demo-data generator rather than the source. */
  @Column('text', { array: true })
  generatedFields: string[];
}
