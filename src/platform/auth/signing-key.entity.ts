import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A token signing key pair; the private half is encrypted with ENCRYPTION_KEY. */
@Entity('signing_keys')
export class SigningKey {
  @PrimaryColumn()
  kid: string;

  @Column()
  algorithm: string;

  @Column('text')
  publicKey: string;

  @Column('text')
  privateKeyEncrypted: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  retiredAt: Date | null;
}
