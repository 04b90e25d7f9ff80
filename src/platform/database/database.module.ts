import {
  DynamicModule,
  Global,
  Inject,
  Logger,
  Module,
  OnApplicationShutdown,
} from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { PGlite } from '@electric-sql/pglite';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions, runMigrations } from './data-source.factory';
import { EmbeddedDatabase, openEmbeddedDatabase } from './embedded-database';

export const EMBEDDED_DATABASE = Symbol('EMBEDDED_DATABASE');

/** What start-up needs to know about the database it got. */
export abstract class DatabaseInfo {
  abstract readonly embedded: boolean;
  /** The embedded database was created by this start (first start on an empty DATA_DIR). */
  abstract readonly freshlyCreated: boolean;
}

export interface DatabaseModuleOptions {
  /** An already open embedded database (tests); owned and closed by the caller. */
  pglite?: PGlite;
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions = {}): DynamicModule {
    const embeddedProvider = {
      provide: EMBEDDED_DATABASE,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<EmbeddedDatabase | null> => {
        if (config.DATABASE_URL) return null;
        if (options.pglite)
          return { pglite: options.pglite, created: false, close: async () => undefined };
        return openEmbeddedDatabase(config.DATA_DIR);
      },
    };
    const infoProvider = {
      provide: DatabaseInfo,
      inject: [EMBEDDED_DATABASE],
      useFactory: (embedded: EmbeddedDatabase | null): DatabaseInfo => ({
        embedded: !!embedded,
        freshlyCreated: !!embedded?.created,
      }),
    };
    const holder: DynamicModule = {
      module: class EmbeddedDatabaseHolderModule {},
      global: true,
      providers: [embeddedProvider],
      exports: [EMBEDDED_DATABASE],
    };
    return {
      module: DatabaseModule,
      imports: [
        holder,
        TypeOrmModule.forRootAsync({
          inject: [AppConfig, EMBEDDED_DATABASE],
          useFactory: (config: AppConfig, embedded: EmbeddedDatabase | null) => ({
            ...dataSourceOptions(config, embedded?.pglite),
            autoLoadEntities: true,
          }),
          dataSourceFactory: async (opts) => {
            const dataSource = new DataSource(opts!);
            await dataSource.initialize();
            const embedded = !(opts as { url?: string }).url;
            const applied = await runMigrations(dataSource, embedded);
            if (applied.length)
              new Logger('Database').log(`Applied migrations: ${applied.join(', ')}`);
            return dataSource;
          },
        }),
      ],
      providers: [infoProvider, EmbeddedDatabaseCloser],
      exports: [DatabaseInfo],
    };
  }
}

/** Closes the embedded database (and releases its directory lock) after TypeORM let go of it. */
class EmbeddedDatabaseCloser implements OnApplicationShutdown {
  constructor(
    @Inject(EMBEDDED_DATABASE) private readonly embedded: EmbeddedDatabase | null,
    private readonly dataSource: DataSource,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.embedded) return;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded.close();
  }
}
