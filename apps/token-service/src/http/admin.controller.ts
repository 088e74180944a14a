import { Controller, Header, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminGate } from '../admin/admin-gate';
import { ErasureResult, ErasureService } from '../erasure/erasure-service';
import { KeyService, KeyStep, keyStep } from '../keys/key-service';
import { OAuthProblem } from '../oauth/oauth-problem';
import type { HttpRequest } from './http-types';
import { OAUTH_ERROR } from './openapi-schemas';
import { contextOf, header } from './request-context';

/** Admin endpoints: Bearer TW_ADMIN_TOKEN; the operator may name itself in X-Operator (recorded as a pseudonym). */
@ApiTags('admin')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'invalid_token (WWW-Authenticate: Bearer)', schema: OAUTH_ERROR })
@Controller('v1')
export class AdminController {
  constructor(private readonly gate: AdminGate, private readonly erasure: ErasureService, private readonly keys: KeyService) {}

  @Post('subjects/:subject/erase')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'GDPR Art. 17: revoke every live token and refresh family of the subject; publishes TokenRevoked and SubjectErased' })
  @ApiParam({ name: 'subject', description: 'the raw subject identifier (sub); events carry only its pseudonym' })
  @ApiResponse({ status: 200, description: '{subject_ref, tokens_revoked, families_revoked}' })
  @ApiResponse({ status: 503, description: 'the erasure could not be published; nothing changed', schema: OAUTH_ERROR })
  erase(@Param('subject') subject: string, @Req() req: HttpRequest): Promise<ErasureResult> {
    const requestedBy = this.gate.authorize(header(req, 'authorization'), header(req, 'x-operator'));
    const ref = header(req, 'x-request-ref');
    return this.erasure.erase(subject, { ctx: contextOf(req), requestedBy, requestRef: ref && /^[\x21-\x7E]{1,128}$/.test(ref) ? ref : null });
  }

  @Post('keys/rotate')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Publish a successor signing key now; it signs after one JWKS cache lifetime (scheduled rotation runs as well)' })
  async rotate(@Req() req: HttpRequest): Promise<{ steps: KeyStep[] }> {
    this.gate.authorize(header(req, 'authorization'), header(req, 'x-operator'));
    if (!this.keys.leader) throw new OAuthProblem(400, 'invalid_request', 'this instance is not the key rotation leader');
    const records = await this.keys.rotateNow(contextOf(req));
    return { steps: records.map(keyStep) };
  }
}
