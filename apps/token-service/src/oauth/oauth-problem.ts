/** RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 8693 §2.2.2 and RFC 6750 error codes this service answers with. */
export type OAuthErrorCode =
  | 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type'
  | 'invalid_scope' | 'invalid_target' | 'access_denied' | 'unsupported_token_type' | 'server_error'
  | 'temporarily_unavailable' | 'invalid_token';

/**
 * A refusal with its RFC shape. Services throw it; the global filter renders
 * `{"error", "error_description"}` with the status and headers. The description
 * is fixed text chosen here, never request content.
 */
export class OAuthProblem extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 413 | 415 | 500 | 503,
    readonly error: OAuthErrorCode,
    readonly description: string,
    /** RFC 6749 §5.2: a 401 names the scheme the client may use. */
    readonly wwwAuthenticate?: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthProblem';
  }
}

export const BASIC_CHALLENGE = 'Basic realm="tokenwarden", charset="UTF-8"';

export const invalidRequest = (description: string): OAuthProblem => new OAuthProblem(400, 'invalid_request', description);
export const invalidClient = (description = 'client authentication failed'): OAuthProblem =>
  new OAuthProblem(401, 'invalid_client', description, BASIC_CHALLENGE);
export const invalidGrant = (description: string): OAuthProblem => new OAuthProblem(400, 'invalid_grant', description);
export const unavailable = (): OAuthProblem =>
  new OAuthProblem(503, 'temporarily_unavailable', 'the audit trail cannot record this request now; retry later');
