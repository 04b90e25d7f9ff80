import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';

const RAW_RESPONSE = 'http:raw-response';

/** For the few routes whose body is fixed by an outside standard (OAuth token, health probe). */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

/**
 * A response body that is already JSON text (e.g. an answer kept in a cache as text): the
 * envelope is written around it without parsing and serialising it again.
 */
export class RawJson {
  constructor(readonly json: string) {}
}

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
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    return next.handle().pipe(
      map((data): Envelope<unknown> | string => {
        const meta = { request_id: String(request.id), timestamp: new Date().toISOString() };
        if (!(data instanceof RawJson)) return { data: data ?? null, meta };
        // Fastify sends a string with a JSON content type as it is.
        http.getResponse<FastifyReply>().header('content-type', 'application/json; charset=utf-8');
        return `{"data":${data.json},"meta":${JSON.stringify(meta)}}`;
      }),
    );
  }
}
