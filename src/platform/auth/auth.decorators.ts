import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Tier } from '../config/app-config';
import type { Principal, Scope } from './auth.types';

export const PUBLIC_ROUTE = 'auth:public';
export const REQUIRED_SCOPE = 'auth:scope';
export const REQUIRED_TIER = 'auth:tier';

/** No credentials needed (token endpoint, health). Everything else under /v1 needs them. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The scope a route needs; admin includes write, write includes read. */
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);

/** The lowest tier a route is sold on (growth < enterprise). */
export const RequireTier = (tier: Tier) => SetMetadata(REQUIRED_TIER, tier);

/** The authenticated caller. */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<{ user: Principal }>().user;
});
