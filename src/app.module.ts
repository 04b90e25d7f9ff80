import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuthModule } from './platform/auth/auth.module';
import { BootstrapService } from './platform/bootstrap/bootstrap.service';
import { AppConfig } from './platform/config/app-config';
import { ConfigModule } from './platform/config/config.module';
import { CryptoModule } from './platform/crypto/crypto.module';
import { DatabaseModule, DatabaseModuleOptions } from './platform/database/database.module';
import { HealthController } from './platform/health/health.controller';
import { EventsModule } from './platform/events/events.module';
import { EnvelopeInterceptor } from './platform/http/envelope.interceptor';
import { UnknownQueryInterceptor } from './platform/http/unknown-query.interceptor';
import { JobsModule } from './platform/jobs/jobs.module';
import { LoggingModule } from './platform/logging/logging.module';
import { WorkspaceModule } from './platform/workspace/workspace.module';
import { FEATURE_MODULES } from './modules';

/** The platform modules, then every feature module (src/modules/index.ts). */
@Module({})
export class AppModule {
  static forRoot(
    config: AppConfig,
    database: DatabaseModuleOptions = {},
    extraModules: Type[] = [],
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule.forRoot(database),
        CryptoModule,
        WorkspaceModule,
        JobsModule,
        EventsModule,
        AuthModule,
        ...FEATURE_MODULES,
        ...extraModules,
      ],
      controllers: [HealthController],
      providers: [
        BootstrapService,
        { provide: APP_INTERCEPTOR, useClass: UnknownQueryInterceptor },
        { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
      ],
    };
  }
}
