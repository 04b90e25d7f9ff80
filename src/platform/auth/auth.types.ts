import type { Tier } from '../config/app-config';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** admin includes write, write includes read. */
const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };

export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  return granted.some((s) => RANK[s] >= RANK[needed]);
}

/** Who is calling: set on the request by the authentication guard. */
export interface Principal {
  workspaceId: string;
  tier: Tier;
  /** api_clients.id: the unit rate limits are counted per. */
  clientId: string;
  /** The public client_id. */
  clientKey: string;
  scopes: Scope[];
  via: 'token' | 'api_key';
  apiKeyId?: string;
}

/** Claims of our access tokens (RFC 9068 style: space-separated scope). */
export interface AccessTokenClaims {
  /** The public client_id. */
  sub: string;
  /** api_clients.id */
  cid: string;
  /** workspace id */
  wid: string;
  tier: Tier;
  scope: string;
  jti: string;
  iss?: string;
  aud?: string | string[];
  iat?: number;
  exp?: number;
}
