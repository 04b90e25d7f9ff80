import { Module } from '@nestjs/common';
import { CrmModule } from '../crm/crm.module';
import { ForecastModule } from '../forecast/forecast.module';
import { CoachingInsightsService } from './coaching-insights.service';
import { CoachingController } from './coaching.controller';
import { CoachingService } from './coaching.service';

/**
 * Coaching (docs/COACHING.md): rep performance and insights. Reads the CRM model; takes the
 * fiscal calendar, quotas and the clock from the forecast module.
 */
@Module({
  imports: [CrmModule, ForecastModule],
  controllers: [CoachingController],
  providers: [CoachingService, CoachingInsightsService],
})
export class CoachingModule {}
