import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { JWK } from 'jose';
import { KeyService } from '../keys/key-service';
import { TokenServiceRuntime } from '../runtime/token-service.runtime';
import { serverMetadata } from '../oauth/metadata';

/** RFC 8414 metadata and the RFC 7517 key set. */
@ApiTags('discovery')
@Controller('.well-known')
export class DiscoveryController {
  constructor(private readonly runtime: TokenServiceRuntime, private readonly keys: KeyService) {}

  @Get('oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'RFC 8414 authorization server metadata' })
  metadata(): Record<string, unknown> {
    const { config, policy, registry } = this.runtime.c;
    return serverMetadata(config.TW_ISSUER, policy, registry.scopes());
  }

  /** Verifiers may cache the set for the policy's jwksCacheSeconds: rotation publishes keys that much ahead. */
  @Get('jwks.json')
  @ApiOperation({ summary: 'Public keys that verify our access tokens (active, upcoming and retiring keys)' })
  jwks(): { keys: JWK[] } {
    return this.keys.jwks();
  }
}
