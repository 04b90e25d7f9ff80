import { Global, Module } from '@nestjs/common';
import { CommitNotifierSubscriber } from './commit-notifier.subscriber';
import { EventPublisher } from './event-publisher.service';

/** Domain events: publish with the change's transaction (the outbox); consumers read committed rows. */
@Global()
@Module({
  providers: [EventPublisher, CommitNotifierSubscriber],
  exports: [EventPublisher],
})
export class EventsModule {}
