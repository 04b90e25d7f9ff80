import { AppException, ErrorCode, ErrorDetail } from '../../platform/http/app.exception';

/** Errors of the pipeline module (deal health, deal lists, hygiene alerts, settings). */
export class PipelineException extends AppException {
  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, message, details);
  }
}
