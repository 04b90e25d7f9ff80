import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { AppException } from './app.exception';

/**
 * A route that declares no query DTO takes no query parameters: sending some is a
 * VALIDATION_ERROR, as it is on routes whose DTO does not list them (the validation pipe).
 */
@Injectable()
export class UnknownQueryInterceptor implements NestInterceptor {
  private readonly takesQuery = new WeakMap<object, boolean>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const names = Object.keys((request.query as Record<string, unknown>) ?? {});
    if (names.length > 0 && !this.routeTakesQuery(context)) {
      throw AppException.validation(
        names.length === 1 ? `unknown parameter ${names[0]}` : `${names.length} unknown parameters`,
        names.map((field) => ({ field, message: `unknown parameter ${field}` })),
      );
    }
    return next.handle();
  }

  private routeTakesQuery(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let known = this.takesQuery.get(handler);
    if (known === undefined) {
      const args: Record<string, unknown> =
        Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {};
      known = Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.QUERY));
      this.takesQuery.set(handler, known);
    }
    return known;
  }
}
