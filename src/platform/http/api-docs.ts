import { applyDecorators, Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ERROR_STATUS, ErrorCode } from './app.exception';

export class ResponseMetaDto {
  @ApiProperty({ example: 'req_5f1c0a9b2d3e4f5a6b7c8d9e' })
  request_id: string;

  @ApiProperty({ example: '2026-01-15T10:30:00.000Z', format: 'date-time' })
  timestamp: string;
}

export class ErrorDetailDto {
  @ApiPropertyOptional({ example: 'close_date' })
  field?: string;

  @ApiProperty({ example: 'close_date must be a valid ISO 8601 date string' })
  message: string;
}

export class ErrorBodyDto {
  @ApiProperty({ enum: Object.keys(ERROR_STATUS), example: 'VALIDATION_ERROR' })
  code: string;

  @ApiProperty({ example: 'Invalid date format' })
  message: string;

  @ApiProperty({ type: [ErrorDetailDto] })
  details: ErrorDetailDto[];
}

export class ErrorEnvelopeDto {
  @ApiProperty({ type: ErrorBodyDto })
  error: ErrorBodyDto;

  @ApiProperty({ type: ResponseMetaDto })
  meta: ResponseMetaDto;
}

const ERROR_TEXT: Partial<Record<ErrorCode, string>> = {
  VALIDATION_ERROR: 'Invalid request parameters',
  UNAUTHORIZED: 'Missing, invalid or expired credentials',
  FORBIDDEN: 'The credentials lack the scope or tier this route needs',
  NOT_FOUND: 'Resource not found (or it belongs to another workspace)',
  CONFLICT: 'The request conflicts with the current state',
  RATE_LIMITED: 'Too many requests: see Retry-After',
  SERVER_ERROR: 'Internal server error',
  SERVICE_UNAVAILABLE: 'A dependency is unavailable',
};

/** Documents error responses, all in the error envelope. */
export function ApiErrors(...codes: ErrorCode[]) {
  return applyDecorators(
    ApiExtraModels(ErrorEnvelopeDto),
    ...codes.map((code) =>
      ApiResponse({
        status: ERROR_STATUS[code],
        description: `${code}: ${ERROR_TEXT[code] ?? code}`,
        schema: { $ref: getSchemaPath(ErrorEnvelopeDto) },
      }),
    ),
  );
}

/** The errors any authenticated /v1 route can answer with. */
export const STANDARD_ERRORS: ErrorCode[] = [
  'VALIDATION_ERROR',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'SERVER_ERROR',
];

/** Documents a success response as {data: <model>, meta}. */
export function ApiEnvelope(
  model: Type<unknown>,
  options: { status?: number; isArray?: boolean; description?: string } = {},
) {
  const data = options.isArray
    ? { type: 'array', items: { $ref: getSchemaPath(model) } }
    : { $ref: getSchemaPath(model) };
  return applyDecorators(
    ApiExtraModels(model, ResponseMetaDto),
    ApiResponse({
      status: options.status ?? 200,
      description: options.description ?? 'Success',
      schema: {
        type: 'object',
        required: ['data', 'meta'],
        properties: { data, meta: { $ref: getSchemaPath(ResponseMetaDto) } },
      },
    }),
  );
}
