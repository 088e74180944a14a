import { BeforeApplicationShutdown, DynamicModule, Module } from '@nestjs/common';
import { AdminGate } from './admin/admin-gate';
import { ErasureService } from './erasure/erasure-service';
import { AdminController } from './http/admin.controller';
import { DiscoveryController } from './http/discovery.controller';
import { HealthController } from './http/health.controller';
import { OAuthController } from './http/oauth.controller';
import { ValidateController } from './http/validate.controller';
import { KeyService } from './keys/key-service';
import { TokenChecks } from './oauth/introspection';
import { RevocationEndpoint } from './oauth/revocation-endpoint';
import { TokenEndpoint } from './oauth/token-endpoint';
import { TokenServiceRuntime } from './runtime/token-service.runtime';

/** Wiring only: every provider is a plain object built by the runtime; controllers adapt HTTP to them. */
@Module({})
export class TokenServiceModule implements BeforeApplicationShutdown {
  constructor(private readonly runtime: TokenServiceRuntime) {}

  static forRoot(runtime: TokenServiceRuntime): DynamicModule {
    const { c } = runtime;
    return {
      module: TokenServiceModule,
      controllers: [OAuthController, ValidateController, DiscoveryController, AdminController, HealthController],
      providers: [
        { provide: TokenServiceRuntime, useValue: runtime },
        { provide: TokenEndpoint, useValue: c.tokenEndpoint },
        { provide: TokenChecks, useValue: c.checks },
        { provide: RevocationEndpoint, useValue: c.revocationEndpoint },
        { provide: ErasureService, useValue: c.erasure },
        { provide: KeyService, useValue: c.keys },
        { provide: AdminGate, useValue: c.admin },
      ],
    };
  }

  /** SIGTERM/SIGINT: stop consuming, retry the outbox once, flush the producer, close. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
  }
}
