import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirLockedError extends Error {}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * An exclusive lock on the embedded database's directory. PGlite has no lock of its own and two
 * processes writing one data directory corrupt it, so the service and the CLI take this first.
 * A lock left by a dead process (kill -9) is taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static acquire(dataDir: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'revops-hub.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const holder = Number(readFileSync(path, 'utf8').trim());
        if (holder && holder !== process.pid && isAlive(holder)) {
          throw new DataDirLockedError(
            `The embedded database in ${dataDir} is in use by process ${holder}. ` +
              'Stop that process first (the embedded database allows one process at a time), ' +
              'or run against PostgreSQL with DATABASE_URL.',
          );
        }
        unlinkSync(path);
      }
    }
    throw new DataDirLockedError(`Could not lock ${path}`);
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // already gone: nothing to release
    }
  }
}
