import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/auth.types';
import { ROUTE_RATE_LIMIT, RouteRateLimit } from './rate-limit.decorator';
import {
  BURST_WINDOW_SECONDS,
  headers,
  LimitCheck,
  RateLimitService,
  TIER_LIMITS,
} from './rate-limit.service';

/**
 * Runs after authentication. Authenticated calls spend their client's tier budget (hourly and
 * burst) plus any per-route limit; public routes are limited per IP by their route limit.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limits: RateLimitService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { user?: Principal }>();
    const reply = http.getResponse<FastifyReply>();
    const route = this.reflector.getAllAndOverride<RouteRateLimit | undefined>(ROUTE_RATE_LIMIT, [
      context.getHandler(),
      context.getClass(),
    ]);
    const routeId = `${context.getClass().name}.${context.getHandler().name}`;
    const principal = request.user;
    const checks: LimitCheck[] = [];
    let reported: LimitCheck;
    if (principal) {
      const tier = TIER_LIMITS[principal.tier];
      checks.push({
        points: tier.burst,
        durationSeconds: BURST_WINDOW_SECONDS,
        key: `burst:${principal.clientId}`,
      });
      if (route) checks.push({ ...route, key: `route:${routeId}:${principal.clientId}` });
      reported = { points: tier.perHour, durationSeconds: 3600, key: `hour:${principal.clientId}` };
    } else if (route) {
      reported = { ...route, key: `ip:${routeId}:${request.ip}` };
    } else {
      return true;
    }
    checks.push(reported);
    const state = await this.limits.consume(checks, reported);
    for (const [name, value] of Object.entries(headers(state))) reply.header(name, value);
    return true;
  }
}
