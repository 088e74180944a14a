import { Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBasicAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { TokenChecks } from '../oauth/introspection';
import type { HttpRequest } from './http-types';
import { OAUTH_ERROR, VALIDATE_REQUEST, VERDICT } from './openapi-schemas';
import { contextOf, header, jsonOrFormBody } from './request-context';

/** Validation for resource servers that cannot validate locally. */
@ApiTags('validation')
@ApiBasicAuth()
@Controller('v1')
export class ValidateController {
  constructor(private readonly checks: TokenChecks) {}

  @Post('validate')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiOperation({ summary: 'Verdict and stable reason code for an access token; client authentication required' })
  @ApiBody({ schema: VALIDATE_REQUEST })
  @ApiResponse({ status: 200, schema: VERDICT })
  @ApiResponse({ status: 401, schema: OAUTH_ERROR })
  @ApiResponse({ status: 413, description: 'body over TW_MAX_BODY_BYTES (refused before parsing; TokenValidated TOO_LARGE)', schema: OAUTH_ERROR })
  validate(@Req() req: HttpRequest): Promise<Record<string, unknown>> {
    return this.checks.validate({ body: jsonOrFormBody(req), authorization: header(req, 'authorization'), ctx: contextOf(req) });
  }
}
