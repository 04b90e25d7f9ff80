import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { decode } from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config';
import { AccessTokenClaims, Principal, Scope } from './auth.types';
import { CredentialsService } from './credentials.service';
import { SigningKeyService, TOKEN_ALGORITHM } from './signing-key.service';

/** How long "this client is not revoked" is believed before asking the database again. */
const CLIENT_STATUS_TTL_MS = 30_000;

export class UnknownSigningKeyError extends Error {}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly clientStatus = new Map<string, { active: boolean; until: number }>();

  constructor(
    config: AppConfig,
    keys: SigningKeyService,
    private readonly credentials: CredentialsService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      algorithms: [TOKEN_ALGORITHM],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ignoreExpiration: false,
      secretOrKeyProvider: (
        _req: unknown,
        rawJwt: string,
        done: (err: unknown, key?: string) => void,
      ) => {
        const header = decode(rawJwt, { complete: true })?.header;
        const kid = header?.kid;
        if (!kid) return done(new UnknownSigningKeyError('token has no kid'));
        keys.publicKey(kid).then(
          (pem) =>
            pem
              ? done(null, pem)
              : done(new UnknownSigningKeyError('token signed by an unknown key')),
          (err) => done(err),
        );
      },
    });
  }

  async validate(claims: AccessTokenClaims): Promise<Principal | false> {
    if (!(await this.isActive(claims.cid))) return false;
    return {
      workspaceId: claims.wid,
      tier: claims.tier,
      clientId: claims.cid,
      clientKey: claims.sub,
      scopes: claims.scope.split(' ').filter(Boolean) as Scope[],
      via: 'token',
    };
  }

  private async isActive(clientId: string): Promise<boolean> {
    const now = Date.now();
    const cached = this.clientStatus.get(clientId);
    if (cached && cached.until > now) return cached.active;
    const active = await this.credentials.clientActive(clientId);
    this.clientStatus.set(clientId, { active, until: now + CLIENT_STATUS_TTL_MS });
    return active;
  }
}
