import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Caller, RequireScope } from '../../platform/auth/auth.decorators';
import type { Principal } from '../../platform/auth/auth.types';
import { EVENT_TYPES } from '../../platform/events/event-types';
import { ApiEnvelope, ApiErrors, STANDARD_ERRORS } from '../../platform/http/api-docs';
import { pagination } from '../../platform/http/pagination.dto';
import { WebhookDelivery } from './entities/webhook-delivery.entity';
import { WebhookEndpoint } from './entities/webhook-endpoint.entity';
import {
  CreatedWebhookDto,
  CreateWebhookDto,
  DeliveryDto,
  DeliveryListDto,
  DeliveryListQueryDto,
  EventTypeListDto,
  ReplayDto,
  ReplayResultDto,
  RotateSecretDto,
  SecretDto,
  UpdateWebhookDto,
  WebhookDto,
  WebhookListDto,
} from './webhooks.dto';
import { WebhooksService } from './webhooks.service';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toDto(e: WebhookEndpoint): WebhookDto {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    description: e.description,
    enabled: e.enabled,
    disabled_at: iso(e.disabledAt),
    disabled_reason: e.disabledReason,
    failing_since: iso(e.failingSince),
    last_success_at: iso(e.lastSuccessAt),
    created_at: e.createdAt.toISOString(),
  };
}

@ApiTags('Webhooks')
@ApiBearerAuth()
@ApiSecurity('api-key')
@ApiErrors(...STANDARD_ERRORS)
@RequireScope('write')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  private async deliveryDtos(workspaceDeliveries: WebhookDelivery[]): Promise<DeliveryDto[]> {
    const attempts = await this.webhooks.attemptsOf(workspaceDeliveries.map((d) => d.id));
    const events = await this.webhooks.eventsOf([
      ...new Set(workspaceDeliveries.map((d) => d.eventId)),
    ]);
    return workspaceDeliveries.map((d) => ({
      id: d.id,
      event_id: d.eventId,
      event: events.get(d.eventId)?.type ?? 'unknown',
      status: d.status,
      attempts: d.attempts,
      next_attempt_at: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
      last_status_code: d.lastStatusCode,
      last_error: d.lastError,
      delivered_at: iso(d.deliveredAt),
      created_at: d.createdAt.toISOString(),
      attempt_log: attempts
        .filter((a) => a.deliveryId === d.id)
        .map((a) => ({
          attempted_at: a.attemptedAt.toISOString(),
          status_code: a.statusCode,
          duration_ms: a.durationMs,
          response_excerpt: a.responseExcerpt,
          error: a.error,
        })),
    }));
  }

  @Get('event-types')
  @RequireScope('read')
  @ApiOperation({
    summary: 'The event types you can subscribe to, with the JSON schema of each payload',
  })
  @ApiEnvelope(EventTypeListDto)
  eventTypes(): EventTypeListDto {
    return {
      event_types: Object.entries(EVENT_TYPES).map(([type, def]) => ({
        type,
        description: def.description,
        schema: def.schema,
      })),
    };
  }

  @Post()
  @ApiOperation({
    summary: 'Register an endpoint',
    description:
      'Every delivery is a POST of {id, event, timestamp, data} signed over the exact body: X-RevOps-Signature: sha256=<hex HMAC-SHA256> ' +
      "(the secret's UTF-8 bytes) and the Standard Webhooks headers webhook-id, webhook-timestamp, webhook-signature. " +
      'The URL must be http(s) and resolve to a public address.',
  })
  @ApiEnvelope(CreatedWebhookDto, { status: 201 })
  async create(
    @Caller() caller: Principal,
    @Body() body: CreateWebhookDto,
  ): Promise<CreatedWebhookDto> {
    const { endpoint, secret } = await this.webhooks.create(caller.workspaceId, body);
    return { ...toDto(endpoint), ...(secret ? { secret } : {}) };
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: "The workspace's endpoints" })
  @ApiEnvelope(WebhookListDto)
  async list(@Caller() caller: Principal): Promise<WebhookListDto> {
    return { webhooks: (await this.webhooks.list(caller.workspaceId)).map(toDto) };
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({ summary: 'One endpoint' })
  @ApiEnvelope(WebhookDto)
  @ApiErrors('NOT_FOUND')
  async get(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<WebhookDto> {
    return toDto(await this.webhooks.get(caller.workspaceId, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the URL, events or description, or enable/disable an endpoint' })
  @ApiEnvelope(WebhookDto)
  @ApiErrors('NOT_FOUND')
  async update(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateWebhookDto,
  ): Promise<WebhookDto> {
    return toDto(await this.webhooks.update(caller.workspaceId, id, body));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete an endpoint (its pending deliveries go with it)' })
  @ApiEnvelope(WebhookDto)
  @ApiErrors('NOT_FOUND')
  async remove(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<WebhookDto> {
    return toDto(await this.webhooks.remove(caller.workspaceId, id));
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replace the signing secret; the new one is returned once' })
  @ApiEnvelope(SecretDto)
  @ApiErrors('NOT_FOUND')
  async rotate(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: RotateSecretDto,
  ): Promise<SecretDto> {
    return { secret: await this.webhooks.rotateSecret(caller.workspaceId, id, body.secret) };
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a webhook.test event to this endpoint' })
  @ApiEnvelope(DeliveryDto, { status: 202 })
  @ApiErrors('NOT_FOUND')
  async test(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<DeliveryDto> {
    const [dto] = await this.deliveryDtos([await this.webhooks.sendTest(caller.workspaceId, id)]);
    return dto;
  }

  @Get(':id/deliveries')
  @RequireScope('read')
  @ApiOperation({ summary: "An endpoint's deliveries with every attempt, newest first" })
  @ApiEnvelope(DeliveryListDto)
  @ApiErrors('NOT_FOUND')
  async deliveries(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: DeliveryListQueryDto,
  ): Promise<DeliveryListDto> {
    await this.webhooks.get(caller.workspaceId, id);
    const [rows, total] = await this.webhooks.listDeliveries(
      caller.workspaceId,
      id,
      { status: q.status },
      q.limit,
      q.offset,
    );
    return {
      deliveries: await this.deliveryDtos(rows),
      pagination: pagination(total, q.limit, q.offset, rows.length),
    };
  }

  @Post(':id/deliveries/:deliveryId/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a delivery again now (same event id)' })
  @ApiEnvelope(DeliveryDto, { status: 202 })
  @ApiErrors('NOT_FOUND', 'CONFLICT')
  async retry(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('deliveryId', ParseUUIDPipe) deliveryId: string,
  ): Promise<DeliveryDto> {
    const [dto] = await this.deliveryDtos([
      await this.webhooks.retryDelivery(caller.workspaceId, id, deliveryId),
    ]);
    return dto;
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Deliver again every event of a time range [from, to) to this endpoint',
  })
  @ApiEnvelope(ReplayResultDto, { status: 202 })
  @ApiErrors('NOT_FOUND')
  async replay(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ReplayDto,
  ): Promise<ReplayResultDto> {
    return {
      deliveries: await this.webhooks.replay(
        caller.workspaceId,
        id,
        new Date(body.from),
        new Date(body.to),
        body.events,
      ),
    };
  }
}
