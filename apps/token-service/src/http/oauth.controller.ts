import { Controller, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBasicAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { TokenChecks } from '../oauth/introspection';
import { RevocationEndpoint } from '../oauth/revocation-endpoint';
import { TokenEndpoint } from '../oauth/token-endpoint';
import { REFRESH_COOKIE, refreshCookieHeader } from '../oauth/token-reply';
import type { HttpRequest, HttpResponse } from './http-types';
import { INTROSPECTION_RESPONSE, OAUTH_ERROR, TOKEN_PARAM, TOKEN_REQUEST, TOKEN_RESPONSE } from './openapi-schemas';
import { contextOf, cookie, formBody, header } from './request-context';

const FORM = 'application/x-www-form-urlencoded';

/** RFC 6749 token endpoint, RFC 7662 introspection, RFC 7009 revocation: adapters over the services. */
@ApiTags('oauth2')
@ApiBasicAuth()
@ApiResponse({ status: 400, description: 'invalid_request and other RFC 6749 §5.2 errors', schema: OAUTH_ERROR })
@ApiResponse({ status: 401, description: 'invalid_client (WWW-Authenticate: Basic)', schema: OAUTH_ERROR })
@Controller('oauth2')
export class OAuthController {
  constructor(
    private readonly tokens: TokenEndpoint,
    private readonly checks: TokenChecks,
    private readonly revocation: RevocationEndpoint,
  ) {}

  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({ summary: 'Issue tokens: client_credentials, refresh_token (rotation, reuse detection), RFC 8693 token exchange' })
  @ApiConsumes(FORM)
  @ApiBody({ schema: TOKEN_REQUEST })
  @ApiResponse({ status: 200, schema: TOKEN_RESPONSE })
  @ApiResponse({ status: 503, description: 'temporarily_unavailable: the audit event could not be published; nothing was issued', schema: OAUTH_ERROR })
  async token(@Req() req: HttpRequest, @Res({ passthrough: true }) res: HttpResponse): Promise<Record<string, unknown>> {
    const reply = await this.tokens.handle({
      body: formBody(req), authorization: header(req, 'authorization'), cookieRefreshToken: cookie(req, REFRESH_COOKIE), ctx: contextOf(req),
    });
    if (reply.refreshCookie) res.setHeader('Set-Cookie', refreshCookieHeader(reply.refreshCookie));
    return reply.body;
  }

  @Post('introspect')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'RFC 7662 introspection; inactive, unknown, expired, revoked or foreign tokens: exactly {"active": false}' })
  @ApiConsumes(FORM)
  @ApiBody({ schema: TOKEN_PARAM })
  @ApiResponse({ status: 200, schema: INTROSPECTION_RESPONSE })
  introspect(@Req() req: HttpRequest): Promise<Record<string, unknown>> {
    return this.checks.introspect({ body: formBody(req), authorization: header(req, 'authorization'), ctx: contextOf(req) });
  }

  @Post('revoke')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'RFC 7009 revocation; 200 for unknown tokens and, silently, for other clients\' tokens (they stay active). '
      + 'A refresh token takes its family and their access tokens along.',
  })
  @ApiConsumes(FORM)
  @ApiBody({ schema: TOKEN_PARAM })
  @ApiResponse({ status: 200, description: 'empty body' })
  @ApiResponse({ status: 503, description: 'temporarily_unavailable: the revocation could not be published; nothing changed', schema: OAUTH_ERROR })
  async revoke(@Req() req: HttpRequest): Promise<void> {
    await this.revocation.revoke({ body: formBody(req), authorization: header(req, 'authorization'), ctx: contextOf(req) });
  }
}
