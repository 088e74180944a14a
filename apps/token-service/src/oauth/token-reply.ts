import type { RegisteredClient } from '../clients/client-config';
import { TOKEN_TYPE_ACCESS } from './subject-token';
import type { Minted } from './token-minter';

/** Name of the browser refresh cookie; `__Secure-` makes browsers insist on the Secure flag. */
export const REFRESH_COOKIE = '__Secure-tw_refresh';
/** The cookie travels to the token endpoint only. */
export const REFRESH_COOKIE_PATH = '/oauth2/token';

export interface TokenReply {
  /** RFC 6749 §5.1 (and RFC 8693 §2.2.1 for token exchange). */
  readonly body: Record<string, unknown>;
  /** For clients registered with refresh_token_cookie: the refresh token goes here, not in the body. */
  readonly refreshCookie?: { readonly value: string; readonly maxAgeSeconds: number };
}

export function tokenReply(m: Minted, client: RegisteredClient, exchange: boolean, nowMs: number): TokenReply {
  const body: Record<string, unknown> = { access_token: m.accessToken, token_type: 'Bearer', expires_in: m.expiresIn, scope: m.scope };
  if (exchange) body.issued_token_type = TOKEN_TYPE_ACCESS;
  if (!m.refresh) return { body };
  if (!client.refreshTokenCookie) return { body: { ...body, refresh_token: m.refresh.token } };
  return { body, refreshCookie: { value: m.refresh.token, maxAgeSeconds: Math.max(0, Math.floor((m.refresh.expiresAtMs - nowMs) / 1000)) } };
}

/** Set-Cookie value: HttpOnly (no script reads it), Secure, SameSite=Strict, scoped to the token endpoint. */
export function refreshCookieHeader(c: NonNullable<TokenReply['refreshCookie']>): string {
  return `${REFRESH_COOKIE}=${c.value}; Path=${REFRESH_COOKIE_PATH}; Max-Age=${c.maxAgeSeconds}; HttpOnly; Secure; SameSite=Strict`;
}
