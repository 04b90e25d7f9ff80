import { Global, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { QueueService } from './queue.service';

/** The job queue (pg-boss) and the cron scheduler (@nestjs/schedule, whose jobs only enqueue). */
@Global()
@Module({
  imports: [ScheduleModule.forRoot()],
  providers: [QueueService],
  exports: [QueueService],
})
export class JobsModule {}
