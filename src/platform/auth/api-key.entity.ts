import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Scope } from './auth.types';

/**
 * A long-lived key sent as X-API-Key. It belongs to an API client (whose rate limit it shares).
 * `prefix` is the public, indexed part used to find the row; the whole key is kept only hashed.
 */
@Entity('api_keys')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  workspaceId: string;

  @Column('uuid')
  apiClientId: string;

  @Column()
  name: string;

  @Column()
  prefix: string;

  @Column({ type: 'char', length: 64, select: false })
  keyHash: string;

  @Column('text', { array: true })
  scopes: Scope[];

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
