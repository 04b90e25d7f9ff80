import { Injectable } from '@nestjs/common';

/**
 * "Now" for health and alerts: scores decay with time, so tests pin it here instead of reading
 * the wall clock.
 */
@Injectable()
export class PipelineClock {
  now(): Date {
    return new Date();
  }
}
