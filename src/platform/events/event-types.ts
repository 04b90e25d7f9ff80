/**
 * Every event type RevOps Hub publishes, with the JSON schema of its payload (`data` in a webhook
 * body). Publishing checks the payload against it; the OpenAPI document and
 * GET /v1/webhooks/event-types show it.
 */
type JsonSchema = Record<string, unknown>;

const string = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const uuid = { type: 'string', format: 'uuid' } as const;
const healthStatus = {
  type: 'string',
  enum: ['healthy', 'monitor', 'at_risk', 'critical'],
} as const;

const object = (
  properties: Record<string, unknown>,
  required: string[] = Object.keys(properties),
): JsonSchema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: true,
});

const buildPayload = object(
  {
    run_id: uuid,
    connection_id: uuid,
    provider: string,
    entity: string,
    mode: { type: 'string', enum: ['full', 'delta'] },
    trigger: string,
    status: string,
    dry_run: { type: 'boolean' },
    counts: object({
      processed: { type: 'integer' },
      created: { type: 'integer' },
      updated: { type: 'integer' },
      unchanged: { type: 'integer' },
      deleted: { type: 'integer' },
      failed: { type: 'integer' },
    }),
    duration_ms: { type: ['integer', 'null'] },
    error: nullableString,
  },
  ['run_id', 'connection_id', 'provider', 'entity', 'status', 'counts'],
);

const alertPayload = object(
  {
    alert_id: string,
    opportunity_id: string,
    alert_type: { type: 'string', enum: ['stale', 'past_close', 'missing_next_step'] },
    severity: { type: 'string', enum: ['warning', 'critical'] },
    message: string,
    crm_id: nullableString,
    triggered_at: dateTime,
    resolved_at: { type: ['string', 'null'], format: 'date-time' },
  },
  ['alert_id', 'opportunity_id', 'alert_type', 'severity'],
);

/** The complete Deal object of the deal desk document (validated by the deal desk module itself). */
const dealPayload = object({ deal: { type: 'object', additionalProperties: true } });

export const EVENT_TYPES = {
  'deal.health_changed': {
    description: 'A deal health status changed',
    schema: object(
      {
        opportunity_id: string,
        crm_id: nullableString,
        previous_status: { oneOf: [healthStatus, { type: 'null' }] },
        new_status: healthStatus,
        health_score: { type: 'number' },
        previous_score: { type: ['number', 'null'] },
        computed_at: dateTime,
      },
      ['opportunity_id', 'previous_status', 'new_status', 'health_score'],
    ),
  },
  'deal.stage_changed': {
    description: 'A deal moved stages',
    schema: object(
      {
        opportunity_id: string,
        previous_stage: nullableString,
        new_stage: string,
        changed_at: dateTime,
        amount: nullableString,
      },
      ['opportunity_id', 'new_stage'],
    ),
  },
  'alert.triggered': { description: 'A new alert triggered', schema: alertPayload },
  'alert.resolved': { description: 'An alert resolved', schema: alertPayload },
  'build.completed': { description: 'A data build (sync run) completed', schema: buildPayload },
  'build.failed': { description: 'A data build (sync run) failed', schema: buildPayload },
  'lead.created': {
    description: 'A lead was created',
    schema: object(
      { lead_id: string, name: string, email: nullableString, source: nullableString },
      ['lead_id', 'name'],
    ),
  },
  'lead.status_updated': {
    description: "A lead's status changed",
    schema: object(
      { lead_id: string, old_status: string, new_status: string, updated_by: nullableString },
      ['lead_id', 'old_status', 'new_status'],
    ),
  },
  'deal_desk.deal.created': {
    description: 'A deal desk deal was created (payload: the complete Deal)',
    schema: dealPayload,
  },
  'deal_desk.deal.updated': {
    description: 'A deal desk deal changed (payload: the complete Deal)',
    schema: dealPayload,
  },
  'deal_desk.deal.status_changed': {
    description:
      "A deal desk deal's status changed (payload: the complete Deal and the previous status)",
    schema: object({
      deal: { type: 'object', additionalProperties: true },
      previous_status: string,
    }),
  },
  'deal_desk.deal.deleted': {
    description: 'A deal desk deal was deleted (payload: the Deal as it was)',
    schema: dealPayload,
  },
  'webhook.test': {
    description: 'Sent by POST /v1/webhooks/{id}/test to check an endpoint (only to that endpoint)',
    schema: object({ message: string, endpoint_id: uuid }),
  },
} as const satisfies Record<string, { description: string; schema: JsonSchema }>;

export type EventType = keyof typeof EVENT_TYPES;
export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];
/** What a customer may subscribe to (the test event goes only where it is asked for). */
export const SUBSCRIBABLE_EVENTS = EVENT_TYPE_NAMES.filter((t) => t !== 'webhook.test');
