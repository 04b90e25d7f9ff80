import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
} from 'class-validator';
import { SUBSCRIBABLE_EVENTS } from '../../platform/events/event-types';
import { PageQueryDto, PaginationDto } from '../../platform/http/pagination.dto';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://your-server.com/webhook' })
  @MaxLength(2000)
  @IsString()
  url: string;

  @ApiProperty({
    enum: SUBSCRIBABLE_EVENTS,
    isArray: true,
    example: ['deal.health_changed', 'alert.triggered'],
  })
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @IsArray()
  events: string[];

  @ApiPropertyOptional({
    description:
      'Your signing secret (16-200 characters); one is generated and returned once when omitted',
    example: 'your-webhook-secret',
  })
  @IsOptional()
  @MinLength(16)
  @MaxLength(200)
  @IsString()
  secret?: string;

  @ApiPropertyOptional({ example: 'Slack bridge' })
  @IsOptional()
  @MaxLength(500)
  @IsString()
  description?: string;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional() @IsOptional() @MaxLength(2000) @IsString() url?: string;

  @ApiPropertyOptional({ enum: SUBSCRIBABLE_EVENTS, isArray: true })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @IsArray()
  events?: string[];

  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional() @IsOptional() @MaxLength(500) @IsString() description?: string;
}

export class RotateSecretDto {
  @ApiPropertyOptional({ description: 'The new secret; generated when omitted' })
  @IsOptional()
  @MinLength(16)
  @MaxLength(200)
  @IsString()
  secret?: string;
}

export class ReplayDto {
  @ApiProperty({ example: '2026-11-01T00:00:00Z' }) @IsISO8601({ strict: true }) from: string;
  @ApiProperty({ example: '2026-11-02T00:00:00Z' }) @IsISO8601({ strict: true }) to: string;

  @ApiPropertyOptional({
    enum: SUBSCRIBABLE_EVENTS,
    isArray: true,
    description: "Default: the endpoint's events",
  })
  @IsOptional()
  @ArrayMinSize(1)
  @IsString({ each: true })
  @IsArray()
  events?: string[];
}

export class DeliveryListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'succeeded', 'failed', 'cancelled'] })
  @IsOptional()
  @IsIn(['pending', 'succeeded', 'failed', 'cancelled'])
  status?: 'pending' | 'succeeded' | 'failed' | 'cancelled';
}

export class WebhookDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() url: string;
  @ApiProperty({ enum: SUBSCRIBABLE_EVENTS, isArray: true }) events: string[];
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) disabled_at: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'The endpoint answered 410 Gone' })
  disabled_reason: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) failing_since: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) last_success_at:
    | string
    | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class CreatedWebhookDto extends WebhookDto {
  @ApiPropertyOptional({
    description:
      'The generated signing secret: shown only in this response (absent when you gave one)',
    example: 'whsec_...',
  })
  secret?: string;
}

export class WebhookListDto {
  @ApiProperty({ type: [WebhookDto] }) webhooks: WebhookDto[];
}

export class SecretDto {
  @ApiProperty({
    description: 'The new signing secret: shown only in this response',
    example: 'whsec_...',
  })
  secret: string;
}

export class AttemptDto {
  @ApiProperty({ format: 'date-time' }) attempted_at: string;
  @ApiProperty({ nullable: true, type: Number }) status_code: number | null;
  @ApiProperty() duration_ms: number;
  @ApiProperty({ nullable: true, type: String }) response_excerpt: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
}

export class DeliveryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'evt_01jd3k2x9a7f3c2b1a0e9d8c7b6a' }) event_id: string;
  @ApiProperty({ example: 'deal.health_changed' }) event: string;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed', 'cancelled'] }) status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When the next attempt is due (pending only)',
  })
  next_attempt_at: string | null;
  @ApiProperty({ nullable: true, type: Number }) last_status_code: number | null;
  @ApiProperty({ nullable: true, type: String }) last_error: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) delivered_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: [AttemptDto] }) attempt_log: AttemptDto[];
}

export class DeliveryListDto {
  @ApiProperty({ type: [DeliveryDto] }) deliveries: DeliveryDto[];
  @ApiProperty({ type: PaginationDto }) pagination: PaginationDto;
}

export class ReplayResultDto {
  @ApiProperty({ description: 'Deliveries created' }) deliveries: number;
}

export class EventTypeDto {
  @ApiProperty({ example: 'deal.health_changed' }) type: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: Object, description: 'JSON schema of the payload (data)' }) schema: Record<
    string,
    unknown
  >;
}

export class EventTypeListDto {
  @ApiProperty({ type: [EventTypeDto] }) event_types: EventTypeDto[];
}
