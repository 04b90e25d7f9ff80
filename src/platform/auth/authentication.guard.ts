import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { AppException } from '../http/app.exception';
import { PUBLIC_ROUTE } from './auth.decorators';
import type { Principal } from './auth.types';

const challenge = { 'WWW-Authenticate': 'Bearer realm="revops-hub"' };

function reason(request: FastifyRequest, info: unknown): string {
  const infos = Array.isArray(info) ? info : [info];
  if (infos.some((i) => i instanceof Error && i.name === 'TokenExpiredError'))
    return 'Access token expired';
  const authorization = request.headers.authorization;
  if (authorization && !/^Bearer\s+\S+$/i.test(authorization) && !request.headers['x-api-key']) {
    return 'Authorization header must be "Bearer <access_token>"';
  }
  if (authorization) return 'Invalid access token';
  return 'Invalid API key';
}

/**
 * Authenticates every route not marked @Public(): `Authorization: Bearer <jwt>` or `X-API-Key`,
 * through the passport strategies. Failures are 401 in the error envelope with the reason.
 */
@Injectable()
export class AuthenticationGuard extends AuthGuard(['jwt', 'api-key']) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!request.headers.authorization && !request.headers['x-api-key']) {
      throw new AppException(
        'UNAUTHORIZED',
        'Missing credentials: send "Authorization: Bearer <access_token>" (from POST /oauth/token) or "X-API-Key: <key>"',
        [],
        challenge,
      );
    }
    return super.canActivate(context);
  }

  override handleRequest<T = Principal>(
    err: unknown,
    user: T | false,
    info: unknown,
    context: ExecutionContext,
  ): T {
    if (err && !(err instanceof Error && err.name === 'UnknownSigningKeyError')) throw err;
    if (!user) {
      const request = context.switchToHttp().getRequest<FastifyRequest>();
      throw new AppException('UNAUTHORIZED', reason(request, info), [], challenge);
    }
    return user;
  }
}
