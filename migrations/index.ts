import { Platform1764133200000 } from './1764133200000-platform';
import { CrmModel1764136800000 } from './1764136800000-crm-model';
import { EventsWebhooks1764140400000 } from './1764140400000-events-webhooks';
import { Pipeline1764144000000 } from './1764144000000-pipeline';

/** Every migration, oldest first. The schema is exactly these; `synchronize` is never used. */
export const ALL_MIGRATIONS = [
  Platform1764133200000,
  CrmModel1764136800000,
  EventsWebhooks1764140400000,
  Pipeline1764144000000,
];
