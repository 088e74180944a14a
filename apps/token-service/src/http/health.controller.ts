import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Readiness, RuntimeState, TokenServiceRuntime } from '../runtime/token-service.runtime';
import type { HttpResponse } from './http-types';

/** Liveness, readiness and Prometheus metrics. */
@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(private readonly runtime: TokenServiceRuntime) {}

  @Get('health')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Liveness: 200 while the process runs (also while Kafka is down: a restart would not help)' })
  health(): { status: RuntimeState } {
    return { status: this.runtime.status };
  }

  @Get('ready')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Readiness: 200 once Kafka answers, the revocations topic is replayed and a key signs; else 503' })
  ready(@Res({ passthrough: true }) res: HttpResponse): Readiness {
    const r = this.runtime.readiness();
    res.status(r.ready ? 200 : 503);
    return r;
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  @ApiExcludeEndpoint()
  async metrics(@Res({ passthrough: true }) res: HttpResponse): Promise<string> {
    res.setHeader('Content-Type', this.runtime.c.metrics.registry.contentType);
    return this.runtime.c.metrics.registry.metrics();
  }
}
