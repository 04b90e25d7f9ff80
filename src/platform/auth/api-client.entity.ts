import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Scope } from './auth.types';

/** An OAuth client (client credentials grant). Its secret is kept only as a SHA-256 hash. */
@Entity('api_clients')
export class ApiClient {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  workspaceId: string;

  @Column()
  clientId: string;

  @Column()
  name: string;

  @Column({ type: 'char', length: 64, select: false })
  secretHash: string;

  @Column('text', { array: true })
  scopes: Scope[];

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
