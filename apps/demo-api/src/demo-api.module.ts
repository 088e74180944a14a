import { Controller, DynamicModule, Get, Header, Inject, Module } from '@nestjs/common';
import { TokenGuardModule, TokenGuardRuntime } from '@tokenwarden/guard';
import { OrdersController } from './orders.controller';

@Controller()
class OpsController {
  constructor(@Inject(TokenGuardRuntime) private readonly guard: TokenGuardRuntime) {}

  @Get('health')
  health(): { status: string } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(): { ready: boolean } {
    return { ready: this.guard.ready() };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metrics(): Promise<string> {
    return this.guard.metrics.registry.metrics();
  }
}

/** The demo resource server: one guarded route, health and metrics. */
@Module({})
export class DemoApiModule {
  static withGuard(runtime: TokenGuardRuntime): DynamicModule {
    return { module: DemoApiModule, imports: [TokenGuardModule.forRuntime(runtime)], controllers: [OrdersController, OpsController] };
  }
}
