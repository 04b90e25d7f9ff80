import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppException, ErrorDetail } from './app.exception';

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((e): ErrorDetail[] => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own: ErrorDetail[] = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, 'unknown parameter $1'),
    }));
    return own.concat(flatten(e.children ?? [], field));
  });
}

/**
 * Input validation at the edge: unknown properties and query parameters are refused, types are
 * converted from strings, and every problem is listed as {field, message}.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return AppException.validation(
        details.length === 1 ? details[0].message : `${details.length} invalid fields`,
        details,
      );
    },
  });
}
