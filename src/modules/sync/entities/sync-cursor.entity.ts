import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How far a connection's entity has been synced; moves only inside a batch's commit. */
@Entity('sync_cursors')
export class SyncCursor {
  @PrimaryColumn('uuid')
  connectionId: string;

  @PrimaryColumn()
  entity: string;

  @Column('uuid')
  workspaceId: string;

  @Column({ type: 'jsonb' })
  cursor: unknown;

  @Column({ type: 'uuid', nullable: true })
  runId: string | null;

  @Column({ type: 'timestamptz' })
  updatedAt: Date;
}
