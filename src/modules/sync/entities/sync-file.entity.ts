import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A CSV file uploaded for a connection's entity (replaced by the next upload). */
@Entity('sync_files')
export class SyncFile {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  workspaceId: string;

  @Column('uuid')
  connectionId: string;

  @Column()
  entity: string;

  @Column()
  filename: string;

  @Column({ type: 'bytea', select: false })
  content: Buffer;

  @Column({ type: 'char', length: 64 })
  sha256: string;

  @Column('int')
  sizeBytes: number;

  @Column({ type: 'timestamptz' })
  uploadedAt: Date;
}
