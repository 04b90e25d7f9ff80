import { AppException, ErrorCode, ErrorDetail } from '../../platform/http/app.exception';

/** Errors of the forecast module. */
export class ForecastException extends AppException {
  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, message, details);
  }
}
