import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';

const RAW_RESPONSE = 'http:raw-response';

/** For the few routes whose body is fixed by an outside standard (OAuth token, health probe). */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

export interface Envelope<T> {
  data: T;
  meta: { request_id: string; timestamp: string };
}

/** Wraps every successful response as {data, meta: {request_id, timestamp}}. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const raw = this.reflector.getAllAndOverride<boolean>(RAW_RESPONSE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (raw) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return next.handle().pipe(
      map(
        (data): Envelope<unknown> => ({
          data: data ?? null,
          meta: { request_id: String(request.id), timestamp: new Date().toISOString() },
        }),
      ),
    );
  }
}
