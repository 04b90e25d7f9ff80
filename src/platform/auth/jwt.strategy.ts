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
/**
 * Tokens whose signature, issuer, audience and algorithm were verified, kept by their exact text
 * until they expire (at most this long), so a client's repeated calls skip the ECDSA verification.
 * Expiry and the client's revocation are still checked on every request.
 */
const VERIFIED_TOKEN_TTL_MS = 300_000;
const VERIFIED_TOKENS_MAX = 10_000;

export class UnknownSigningKeyError extends Error {}

const tokenOf = ExtractJwt.fromAuthHeaderAsBearerToken();

type Request = Parameters<Strategy['authenticate']>[0];

/** The passport methods a strategy calls back (added by passport at runtime). */
interface PassportActions {
  success(user: unknown, info?: unknown): void;
  fail(info?: unknown): void;
  error(err: unknown): void;
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly clientStatus = new Map<string, { active: boolean; until: number }>();
  private readonly verified = new Map<string, { claims: AccessTokenClaims; until: number }>();

  constructor(
    config: AppConfig,
    keys: SigningKeyService,
    private readonly credentials: CredentialsService,
  ) {
    super({
      jwtFromRequest: tokenOf,
      algorithms: [TOKEN_ALGORITHM],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ignoreExpiration: false,
      passReqToCallback: true,
      secretOrKeyProvider: (
        _req: unknown,
        rawJwt: string,
        // jsonwebtoken (>= 9) verifies with a KeyObject as is; passport-jwt's types predate it.
        done: (err: unknown, key?: string) => void,
      ) => {
        const header = decode(rawJwt, { complete: true })?.header;
        const kid = header?.kid;
        if (!kid) return done(new UnknownSigningKeyError('token has no kid'));
        keys.publicKey(kid).then(
          (key) =>
            key
              ? done(null, key as unknown as string)
              : done(new UnknownSigningKeyError('token signed by an unknown key')),
          (err) => done(err),
        );
      },
    });
  }

  /** A token verified earlier and not yet expired skips straight to validation. */
  override authenticate(req: Request, options?: object): void {
    const token = tokenOf(req);
    const hit = token ? this.verified.get(token) : undefined;
    if (!hit || hit.until <= Date.now()) {
      if (hit) this.verified.delete(token!);
      return super.authenticate(req, options);
    }
    const actions = this as unknown as PassportActions;
    this.principal(hit.claims).then(
      (principal) => (principal ? actions.success(principal) : actions.fail()),
      (err) => actions.error(err),
    );
  }

  /** Called by passport-jwt after it verified the token. */
  async validate(req: Request, claims: AccessTokenClaims): Promise<Principal | false> {
    const token = tokenOf(req);
    if (token) this.remember(token, claims);
    return this.principal(claims);
  }

  private remember(token: string, claims: AccessTokenClaims): void {
    const expiresAt = (claims.exp ?? 0) * 1000;
    const until = Math.min(expiresAt, Date.now() + VERIFIED_TOKEN_TTL_MS);
    if (until <= Date.now()) return;
    if (this.verified.size >= VERIFIED_TOKENS_MAX) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, { claims, until });
  }

  private async principal(claims: AccessTokenClaims): Promise<Principal | false> {
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
