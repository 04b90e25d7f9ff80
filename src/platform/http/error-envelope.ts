import { HttpException } from '@nestjs/common';
import { AppException, ERROR_STATUS, ErrorCode, ErrorDetail } from './app.exception';

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details: ErrorDetail[] };
  meta: { request_id: string; timestamp: string };
}

const STATUS_CODE: Record<number, ErrorCode> = Object.fromEntries(
  Object.entries(ERROR_STATUS).map(([code, status]) => [status, code as ErrorCode]),
);

interface FrameworkError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/** Fastify's own errors (body parsing, content type, size) carry a status and an FST_ code. */
function fromFramework(err: FrameworkError): AppException | undefined {
  const status = err.statusCode;
  if (!status || status < 400 || status >= 500) return undefined;
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppException(
        'UNSUPPORTED_MEDIA_TYPE',
        'Unsupported Content-Type: send application/json',
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppException('PAYLOAD_TOO_LARGE', 'Request body is too large');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return AppException.validation('Request body is not valid JSON');
  }
  if (err.code?.startsWith('FST_ERR_CTP') || err instanceof SyntaxError) {
    return AppException.validation(`Malformed request body: ${err.message ?? 'unreadable'}`);
  }
  const code = STATUS_CODE[status] ?? 'VALIDATION_ERROR';
  return new AppException(code, err.message ?? 'Bad request');
}

/** Normalises anything thrown into an AppException; undefined means an unexpected (500) error. */
export function toAppException(err: unknown): AppException | undefined {
  if (err instanceof AppException) return err;
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status >= 500) return undefined;
    const code = STATUS_CODE[status] ?? (status === 404 ? 'NOT_FOUND' : 'VALIDATION_ERROR');
    const body = err.getResponse();
    const message =
      status === 404
        ? 'Route not found'
        : typeof body === 'object' && body && 'message' in body && typeof body.message === 'string'
          ? body.message
          : err.message;
    return new AppException(code, message);
  }
  if (err && typeof err === 'object' && 'statusCode' in err)
    return fromFramework(err as FrameworkError);
  const sqlState = dataExceptionOf(err);
  if (sqlState) {
    // SQLSTATE class 22 (data exception): a value the database cannot take - a NUL byte, a
    // number out of range - which only input brings; the caller can fix it, so not a 500.
    return AppException.validation(`A parameter value cannot be used: ${sqlState.message}`);
  }
  return undefined;
}

/** A PostgreSQL data exception (SQLSTATE 22xxx), as pg or TypeORM's QueryFailedError carry it. */
function dataExceptionOf(err: unknown): { message: string } | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; message?: unknown; driverError?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : e.driverError?.code;
  if (typeof code !== 'string' || !/^22[0-9A-Z]{3}$/.test(code)) return undefined;
  return { message: typeof e.message === 'string' ? e.message : code };
}

export function errorEnvelope(ex: AppException, requestId: string): ErrorEnvelope {
  return {
    error: { code: ex.code, message: ex.message, details: ex.details },
    meta: { request_id: requestId, timestamp: new Date().toISOString() },
  };
}

export const SERVER_ERROR = new AppException('SERVER_ERROR', 'Internal server error');
