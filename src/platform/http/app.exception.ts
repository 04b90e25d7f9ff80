/** The error codes of the API and the HTTP status each maps to (docs/API.md lists them). */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  field?: string;
  message: string;
}

/**
 * Base of every error the API returns on purpose. Feature modules extend it with their own class
 * (e.g. SyncException) so logs say where an error came from; the one exception filter turns the
 * code into the HTTP status and the error envelope.
 */
export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  static notFound(what: string, id?: string): AppException {
    return new AppException('NOT_FOUND', id ? `${what} ${id} not found` : `${what} not found`);
  }

  static validation(message: string, details: ErrorDetail[] = []): AppException {
    return new AppException('VALIDATION_ERROR', message, details);
  }
}
