import { Body, Controller, Get, Headers, HttpCode, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiExcludeEndpoint,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AppException } from '../http/app.exception';
import { ApiErrors } from '../http/api-docs';
import { RawResponse } from '../http/envelope.interceptor';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { Public } from './auth.decorators';
import { TokenRequestDto, TokenResponseDto } from './auth.dto';
import { SigningKeyService } from './signing-key.service';
import { TokenService } from './token.service';

function basicCredentials(authorization?: string): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 section 2.3.1: both parts are form-urlencoded before base64.
  const unescape = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return { id: unescape(decoded.slice(0, colon)), secret: unescape(decoded.slice(colon + 1)) };
}

@ApiTags('Authentication')
@Controller()
@Public()
export class TokenController {
  constructor(
    private readonly tokens: TokenService,
    private readonly keys: SigningKeyService,
  ) {}

  @Post('oauth/token')
  @HttpCode(200)
  @RawResponse()
  @RateLimit({ points: 60, durationSeconds: 60 })
  @ApiOperation({
    summary: 'Get an access token (OAuth 2.0 client credentials grant)',
    description:
      'Send client_id and client_secret in the body (form-encoded or JSON) or as HTTP Basic credentials. ' +
      'The response is the OAuth 2.0 token response itself (not wrapped in the data envelope); errors use the error envelope. ' +
      'Limited to 60 requests a minute per IP address.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: TokenRequestDto })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiErrors('VALIDATION_ERROR', 'UNAUTHORIZED', 'RATE_LIMITED')
  token(@Body() body: TokenRequestDto, @Headers('authorization') authorization?: string) {
    const basic = basicCredentials(authorization);
    const clientId = body.client_id ?? basic?.id;
    const clientSecret = body.client_secret ?? basic?.secret;
    if (!clientId || !clientSecret) {
      throw new AppException(
        'UNAUTHORIZED',
        'client_id and client_secret are required (in the body or as HTTP Basic credentials)',
      );
    }
    return this.tokens.issue(clientId, clientSecret, body.scope);
  }

  @Get('.well-known/jwks.json')
  @RawResponse()
  @ApiExcludeEndpoint()
  jwks() {
    return this.keys.jwks();
  }
}
