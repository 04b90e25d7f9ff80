import { Injectable } from '@nestjs/common';
import {
  DataSource,
  EntitySubscriberInterface,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { EventPublisher } from './event-publisher.service';

/** Wakes event consumers the moment a transaction that published events commits. */
@Injectable()
export class CommitNotifierSubscriber implements EntitySubscriberInterface {
  constructor(
    dataSource: DataSource,
    private readonly publisher: EventPublisher,
  ) {
    dataSource.subscribers.push(this);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (EventPublisher.publishedIn(event.queryRunner.data)) {
      event.queryRunner.data = {};
      this.publisher.notifyCommitted();
    }
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    event.queryRunner.data = {};
  }
}
