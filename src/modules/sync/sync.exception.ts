import { AppException, ErrorCode, ErrorDetail } from '../../platform/http/app.exception';

/** Errors of the sync module (engines, runs, connections). */
export class SyncException extends AppException {
  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, message, details);
  }
}

/** Thrown by an engine hook for one record: the record is reported and the run goes on. */
export class RecordError extends Error {}

/** The source refused further requests for now (e.g. a daily API quota): stop cleanly, resume later. */
export class SourceRateLimitedError extends Error {}
