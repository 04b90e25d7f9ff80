import type { Type } from '@nestjs/common';
import { CoachingModule } from './coaching/coaching.module';
import { CrmModule } from './crm/crm.module';
import { DemoModule } from './demo/demo.module';
import { ForecastModule } from './forecast/forecast.module';
import { PipelineModule } from './pipeline/pipeline.module';
import { SyncModule } from './sync/sync.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * Feature modules, each a folder under src/modules with its entities, services, controllers and
 * tests. Adding one to this list is all it takes to plug it in (docs/ARCHITECTURE.md).
 */
export const FEATURE_MODULES: Type[] = [
  CrmModule,
  SyncModule,
  DemoModule,
  WebhooksModule,
  ForecastModule,
  CoachingModule,
  PipelineModule,
];
