// Shapes for the OpenAPI document (documentation only; requests are checked by the services).

const str = (description: string) => ({ type: 'string', description });

export const OAUTH_ERROR = {
  type: 'object', required: ['error'],
  properties: { error: str('RFC 6749 §5.2 error code'), error_description: str('fixed human-readable text') },
};

export const TOKEN_REQUEST = {
  type: 'object', required: ['grant_type'],
  properties: {
    grant_type: { type: 'string', enum: ['client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange'] },
    scope: str('space-separated scopes; default: all registered (client_credentials) or the grant\'s (refresh)'),
    resource: str('RFC 8707 target audience; default: the client\'s only audience'),
    audience: str('RFC 8693 synonym of resource'),
    refresh_token: str('refresh_token grant; cookie clients may send the __Secure-tw_refresh cookie instead'),
    subject_token: str('token exchange: a JWT with typ tokenwarden-subject+jwt signed by the calling identity service'),
    subject_token_type: { type: 'string', enum: ['urn:ietf:params:oauth:token-type:jwt'] },
    client_id: str('client_secret_post / private_key_jwt'),
    client_secret: str('client_secret_post'),
    client_assertion_type: { type: 'string', enum: ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer'] },
    client_assertion: str('private_key_jwt (RFC 7523)'),
  },
};

export const TOKEN_RESPONSE = {
  type: 'object',
  properties: {
    access_token: str('RFC 9068 JWT (typ at+jwt)'), token_type: { type: 'string', enum: ['Bearer'] }, expires_in: { type: 'integer' },
    scope: str('granted scopes'), refresh_token: str('absent for client_credentials and for cookie clients'),
    issued_token_type: str('token exchange only'),
  },
};

export const TOKEN_PARAM = {
  type: 'object', required: ['token'],
  properties: { token: str('the token to check'), token_type_hint: str('ignored hint (RFC 7009 / RFC 7662)') },
};

export const INTROSPECTION_RESPONSE = {
  type: 'object', required: ['active'],
  properties: {
    active: { type: 'boolean' }, scope: str(''), client_id: str(''), token_type: str(''), exp: { type: 'integer' }, iat: { type: 'integer' },
    sub: str(''), aud: str(''), iss: str(''), jti: str(''),
  },
};

export const VALIDATE_REQUEST = {
  type: 'object', required: ['token'],
  properties: { token: str('access token'), audience: str('audience to pin; default TW_DEFAULT_AUDIENCE') },
};

export const VERDICT = {
  type: 'object', required: ['valid', 'reason'],
  properties: {
    valid: { type: 'boolean' }, reason: str('stable reason code (TokenValidated.reason)'), sub: str('when valid'), client_id: str('when valid'),
    scope: str('when valid'), aud: { type: 'array', items: { type: 'string' } }, iss: str(''), jti: str(''), exp: { type: 'integer' }, iat: { type: 'integer' },
  },
};
