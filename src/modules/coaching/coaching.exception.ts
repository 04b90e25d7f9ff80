import { AppException, ErrorCode, ErrorDetail } from '../../platform/http/app.exception';

/** Errors of the coaching module. */
export class CoachingException extends AppException {
  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, message, details);
  }
}
