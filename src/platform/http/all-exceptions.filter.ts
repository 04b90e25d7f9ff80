import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorEnvelope, SERVER_ERROR, toAppException } from './error-envelope';

/** The single place where thrown errors become HTTP responses (see app.exception.ts). */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    sendError(reply, request, exception, this.logger);
  }
}

export function sendError(
  reply: FastifyReply,
  request: FastifyRequest,
  exception: unknown,
  logger: Pick<Logger, 'error'>,
): void {
  let ex = toAppException(exception);
  if (!ex) {
    logger.error(
      { err: exception, request_id: request.id, method: request.method, url: request.url },
      'Unhandled error',
    );
    ex = SERVER_ERROR;
  }
  if (reply.sent) return;
  for (const [name, value] of Object.entries(ex.headers)) reply.header(name, value);
  reply
    .status(ex.status)
    .type('application/json')
    .send(errorEnvelope(ex, String(request.id)));
}
