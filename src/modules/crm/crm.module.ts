import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CrmWriterService } from './crm-writer.service';
import { CRM_ENTITIES } from './entities';

/**
 * The canonical CRM model (users, accounts, contacts, products, opportunities with stage
 * history and contact roles, activities, leads, quotas). Sync writes it through CrmWriterService;
 * analytics modules read it.
 */
@Module({
  imports: [TypeOrmModule.forFeature(CRM_ENTITIES)],
  providers: [CrmWriterService],
  exports: [CrmWriterService],
})
export class CrmModule {}
