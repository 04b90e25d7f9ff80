import { SetMetadata } from '@nestjs/common';

export const ROUTE_RATE_LIMIT = 'rate-limit:route';

export interface RouteRateLimit {
  /** Requests allowed per window, per client (per IP on public routes). */
  points: number;
  durationSeconds: number;
}

/** A route's own limit, on top of the tier's hourly budget and burst (e.g. the leads endpoints). */
export const RateLimit = (limit: RouteRateLimit) => SetMetadata(ROUTE_RATE_LIMIT, limit);
