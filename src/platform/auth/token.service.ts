import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { AppException } from '../http/app.exception';
import { AccessTokenClaims, Scope, SCOPES } from './auth.types';
import { CredentialsService } from './credentials.service';
import { SigningKeyService, TOKEN_ALGORITHM } from './signing-key.service';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** OAuth 2.0 client credentials grant (RFC 6749 section 4.4) issuing ES256 JWTs. */
@Injectable()
export class TokenService {
  constructor(
    private readonly config: AppConfig,
    private readonly credentials: CredentialsService,
    private readonly keys: SigningKeyService,
    private readonly jwt: JwtService,
  ) {}

  async issue(
    clientId: string,
    clientSecret: string,
    requestedScope?: string,
  ): Promise<TokenResponse> {
    const client = await this.credentials.verifyClient(clientId, clientSecret);
    if (!client) throw new AppException('UNAUTHORIZED', 'Invalid client credentials');
    const scopes = this.grantedScopes(client.scopes, requestedScope);
    const { kid, privateKeyPem } = this.keys.signingKey;
    const claims: AccessTokenClaims = {
      sub: client.clientId,
      cid: client.id,
      wid: client.workspaceId,
      tier: client.tier,
      scope: scopes.join(' '),
      jti: randomUUID(),
    };
    const accessToken = await this.jwt.signAsync(claims, {
      algorithm: TOKEN_ALGORITHM,
      privateKey: privateKeyPem,
      keyid: kid,
      issuer: this.config.JWT_ISSUER,
      audience: this.config.JWT_AUDIENCE,
      expiresIn: this.config.TOKEN_TTL_SECONDS,
    });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.config.TOKEN_TTL_SECONDS,
      scope: scopes.join(' '),
    };
  }

  /** A token may carry fewer scopes than its client holds, never more (RFC 6749 section 3.3). */
  private grantedScopes(held: Scope[], requested?: string): Scope[] {
    if (!requested?.trim()) return held;
    const asked = [...new Set(requested.trim().split(/\s+/))];
    const unknown = asked.filter(
      (s) => !(SCOPES as readonly string[]).includes(s) || !held.includes(s as Scope),
    );
    if (unknown.length > 0) {
      throw AppException.validation(`Scope not available to this client: ${unknown.join(' ')}`, [
        { field: 'scope', message: `not granted: ${unknown.join(' ')}` },
      ]);
    }
    return asked as Scope[];
  }
}
