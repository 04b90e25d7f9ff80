import { PGlite } from '@electric-sql/pglite';
import { join, resolve } from 'node:path';
import { DataDirLock } from './data-dir-lock';
import { embeddedTemplate } from './embedded-template';

export interface EmbeddedDatabase {
  pglite: PGlite;
  /** True when the data directory held no database before this start. */
  created: boolean;
  close(): Promise<void>;
}

/** Opens (creating if needed) the embedded PostgreSQL in DATA_DIR, or in memory for `memory://`. */
export async function openEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  if (dataDir.startsWith('memory://')) {
    const pglite = await PGlite.create();
    return { pglite, created: true, close: () => pglite.close() };
  }
  const dir = resolve(dataDir);
  const lock = DataDirLock.acquire(dir);
  try {
    const pgDir = join(dir, 'pg');
    const { existsSync } = await import('node:fs');
    const created = !existsSync(join(pgDir, 'PG_VERSION'));
    // A new database starts from the build's template (initdb and migrations done) when there is one.
    const template = created ? embeddedTemplate() : undefined;
    const pglite = await PGlite.create({
      dataDir: pgDir,
      ...(template ? { loadDataDir: template } : {}),
    });
    return {
      pglite,
      created,
      close: async () => {
        try {
          await pglite.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (e) {
    lock.release();
    throw e;
  }
}
