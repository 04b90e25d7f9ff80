import { Platform1764133200000 } from './1764133200000-platform';
import { CrmModel1764136800000 } from './1764136800000-crm-model';
import { EventsWebhooks1764140400000 } from './1764140400000-events-webhooks';
import { SourceReferenceData1764144000000 } from './1764144000000-source-reference-data';
import { CrmAssociationsReferences1764147600000 } from './1764147600000-crm-associations-references';
import { Forecast1764154800000 } from './1764154800000-forecast';
import { ForecastReadIndexes1764158400000 } from './1764158400000-forecast-read-indexes';
import { Pipeline1764162000000 } from './1764162000000-pipeline';
import { PipelineHygieneRead1764165600000 } from './1764165600000-pipeline-hygiene-read';
import { ForecastReadModels1764169200000 } from './1764169200000-forecast-read-models';
import { PipelineReadModelKeys1764172800000 } from './1764172800000-pipeline-read-model-keys';
import { ForecastCacheWatch1764176400000 } from './1764176400000-forecast-cache-watch';
import { PipelineAnswerCache1764180000000 } from './1764180000000-pipeline-answer-cache';

/** Every migration, oldest first. The schema is exactly these; `synchronize` is never used. */
export const ALL_MIGRATIONS = [
  Platform1764133200000,
  CrmModel1764136800000,
  EventsWebhooks1764140400000,
  SourceReferenceData1764144000000,
  CrmAssociationsReferences1764147600000,
  Forecast1764154800000,
  ForecastReadIndexes1764158400000,
  Pipeline1764162000000,
  PipelineHygieneRead1764165600000,
  ForecastReadModels1764169200000,
  PipelineReadModelKeys1764172800000,
  ForecastCacheWatch1764176400000,
  PipelineAnswerCache1764180000000,
];
