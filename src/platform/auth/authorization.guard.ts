import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Tier } from '../config/app-config';
import { AppException } from '../http/app.exception';
import { REQUIRED_SCOPE, REQUIRED_TIER } from './auth.decorators';
import { hasScope, Principal, Scope } from './auth.types';

const TIER_RANK: Record<Tier, number> = { growth: 1, enterprise: 2 };

/** Scope and tier checks declared per route with @RequireScope and @RequireTier: 403 when short. */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, targets);
    const tier = this.reflector.getAllAndOverride<Tier | undefined>(REQUIRED_TIER, targets);
    if (!scope && !tier) return true;
    const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    if (!principal) return true; // a public route: nothing to check against
    if (scope && !hasScope(principal.scopes, scope)) {
      throw new AppException(
        'FORBIDDEN',
        `This route needs the '${scope}' scope; the credentials carry '${principal.scopes.join(' ')}'`,
      );
    }
    if (tier && TIER_RANK[principal.tier] < TIER_RANK[tier]) {
      throw new AppException(
        'FORBIDDEN',
        `This route is available on the ${tier} tier; this workspace is on ${principal.tier}`,
      );
    }
    return true;
  }
}
