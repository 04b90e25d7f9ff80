import type { EngineContext } from '../../engine/sync-engine';
import { CrmHttpClient } from '../../http/crm-http.client';

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
}

/**
 * Gets a new OAuth access token (POST /oauth/v1/token, form-encoded grant_type=refresh_token with
 * the app's client_id and client_secret, as HubSpot documents) and stores it, encrypted, in the
 * connection, so later runs start with it. Returns the new Authorization header. A private-app
 * token has no refresh token: that fails with a message saying what to do.
 */
export async function refreshHubSpotToken(
  ctx: Pick<EngineContext<unknown>, 'credentials' | 'updateCredentials' | 'signal'>,
  oauthBaseUrl: string,
  http: { retryBaseDelayMs?: number; timeoutMs?: number },
): Promise<Record<string, string>> {
  const { refresh_token, client_id, client_secret } = ctx.credentials;
  if (!refresh_token) {
    throw new Error(
      'the access token has expired and the connection has no refresh_token (a private-app token cannot be refreshed): store a new access_token in the connection',
    );
  }
  if (!client_id || !client_secret) {
    throw new Error(
      'refreshing the OAuth token needs client_id and client_secret in the credentials',
    );
  }
  const client = new CrmHttpClient({ provider: 'hubspot', baseURL: oauthBaseUrl, ...http });
  const body = await client.post<TokenResponse>(
    '/oauth/v1/token',
    new URLSearchParams({
      grant_type: 'refresh_token',
      client_id,
      client_secret,
      refresh_token,
    }).toString(),
    {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      signal: ctx.signal,
      retryable: true,
    },
  );
  if (typeof body?.access_token !== 'string' || body.access_token === '') {
    throw new Error('the token endpoint answered without an access_token');
  }
  const fresh = {
    ...ctx.credentials,
    access_token: body.access_token,
    // HubSpot may rotate the refresh token; keep the one it returns.
    ...(body.refresh_token ? { refresh_token: body.refresh_token } : {}),
  };
  if (ctx.updateCredentials) await ctx.updateCredentials(fresh);
  else Object.assign(ctx.credentials, fresh);
  return { Authorization: `Bearer ${body.access_token}` };
}
