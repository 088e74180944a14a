import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { TokenGuardRuntime } from './guard-runtime';
import { ACCESS_GUARD } from './http-adapters';

const RUNTIME = Symbol('TOKEN_GUARD_RUNTIME');

/** Starts and stops the guard with the Nest application. */
@Injectable()
class GuardLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(RUNTIME) private readonly runtime: TokenGuardRuntime) {}
  async onModuleInit(): Promise<void> {
    await this.runtime.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
  }
}

/**
 * The lib's one Nest module: `TokenGuardModule.forRuntime(runtime)` provides the
 * AccessGuard behind `TokenGuard.requiring(...)` and ties the runtime's
 * start/stop to the application's lifecycle.
 */
@Global()
@Module({})
export class TokenGuardModule {
  static forRuntime(runtime: TokenGuardRuntime): DynamicModule {
    return {
      module: TokenGuardModule,
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: TokenGuardRuntime, useValue: runtime },
        { provide: ACCESS_GUARD, useValue: runtime.access },
        GuardLifecycle,
      ],
      exports: [ACCESS_GUARD, TokenGuardRuntime],
    };
  }
}
