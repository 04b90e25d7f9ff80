import { Module } from '@nestjs/common';
import { CrmModule } from '../crm/crm.module';
import { SyncModule } from '../sync/sync.module';
import { DemoDataService } from './demo-data.service';

/** The demo data set: CSV import plus seeded enrichment (docs/DEMO_DATA.md). */
@Module({
  imports: [CrmModule, SyncModule],
  providers: [DemoDataService],
  exports: [DemoDataService],
})
export class DemoModule {}
