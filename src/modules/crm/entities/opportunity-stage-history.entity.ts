import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One row per change of stage, amount, close date or forecast category of a deal. */
@Entity('opportunity_stage_history')
export class OpportunityStageHistory {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  workspaceId: string;

  @Column('uuid')
  opportunityId: string;

  @Column({ type: 'timestamptz' })
  changedAt: Date;

  @Column()
  stage: string;

  @Column({ type: 'varchar' })
  status: string;

  @Column({ type: 'numeric', nullable: true })
  amount: string | null;

  @Column({ type: 'date', nullable: true })
  closeDate: string | null;

  @Column({ type: 'varchar', nullable: true })
  forecastCategory: string | null;

  @Column({ type: 'numeric', nullable: true })
  probability: string | null;

  @Column()
  source: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
