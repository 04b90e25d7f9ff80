import { Account } from './account.entity';
import { Activity } from './activity.entity';
import { Contact } from './contact.entity';
import { CrmUser } from './crm-user.entity';
import { Lead } from './lead.entity';
import { OpportunityContact } from './opportunity-contact.entity';
import { OpportunityStageHistory } from './opportunity-stage-history.entity';
import { Opportunity } from './opportunity.entity';
import { Product } from './product.entity';
import { Quota } from './quota.entity';

export {
  Account,
  Activity,
  Contact,
  CrmUser,
  Lead,
  Opportunity,
  OpportunityContact,
  OpportunityStageHistory,
  Product,
  Quota,
};

export const CRM_ENTITIES = [
  Account,
  Activity,
  Contact,
  CrmUser,
  Lead,
  Opportunity,
  OpportunityContact,
  OpportunityStageHistory,
  Product,
  Quota,
];
