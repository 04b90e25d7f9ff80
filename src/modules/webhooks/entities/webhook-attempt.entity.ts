import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One HTTP attempt of a delivery: when, what came back, how long it took. */
@Entity('webhook_attempts')
export class WebhookAttempt {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  workspaceId: string;

  @Column('uuid')
  deliveryId: string;

  @Column({ type: 'timestamptz' })
  attemptedAt: Date;

  @Column({ type: 'int', nullable: true })
  statusCode: number | null;

  @Column('int')
  durationMs: number;

  @Column({ type: 'text', nullable: true })
  responseExcerpt: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;
}
