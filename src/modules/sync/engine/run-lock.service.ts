import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { AppConfig } from '../../../platform/config/app-config';

/** Advisory-lock class id of sync runs (the object id is a hash of connection and entity). */
const LOCK_CLASS = 727_100_002;

export interface RunLease {
  release(): Promise<void>;
}

/**
 * Who is executing a connection's entity right now. On PostgreSQL a session advisory lock held
 * on a dedicated connection for the whole run: it vanishes with the process, so a run left
 * 'running' by a killed process is recognisably dead on every instance. The embedded database
 * belongs to one process, where an in-memory set says the same.
 */
@Injectable()
export class RunLockService {
  private readonly local = new Set<string>();

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  static key(connectionId: string, entity: string): string {
    return `${connectionId}:${entity}`;
  }

  /** The lease, or null when another run holds it. */
  async acquire(key: string): Promise<RunLease | null> {
    if (this.config.usesEmbeddedDatabase) {
      if (this.local.has(key)) return null;
      this.local.add(key);
      return { release: async () => void this.local.delete(key) };
    }
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      if (!(await this.tryLock(runner, key))) {
        await runner.release();
        return null;
      }
    } catch (err) {
      await runner.release();
      throw err;
    }
    return {
      release: async () => {
        try {
          await runner.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, key]);
        } finally {
          await runner.release();
        }
      },
    };
  }

  /** Is some process executing this key now? */
  async isHeld(key: string): Promise<boolean> {
    if (this.config.usesEmbeddedDatabase) return this.local.has(key);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      if (!(await this.tryLock(runner, key))) return true;
      await runner.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, key]);
      return false;
    } finally {
      await runner.release();
    }
  }

  private async tryLock(runner: QueryRunner, key: string): Promise<boolean> {
    const [row] = await runner.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [
      LOCK_CLASS,
      key,
    ]);
    return row.ok === true;
  }
}
