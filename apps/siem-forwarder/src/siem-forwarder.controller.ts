import { Controller, Get, Header, Res } from '@nestjs/common';
import { SiemForwarderRuntime } from './siem-forwarder-runtime';

/** The part of Express's response these handlers touch (no @types/express in the repo). */
interface HttpResponse {
  status(code: number): unknown;
  type(contentType: string): unknown;
}

@Controller()
export class SiemForwarderController {
  constructor(private readonly runtime: SiemForwarderRuntime) {}

  /** Liveness: 200 while running, also while a SIEM is down (alerts wait in Kafka; a restart would not help). */
  @Get('health')
  health(@Res({ passthrough: true }) res: HttpResponse): unknown {
    const health = this.runtime.health();
    res.status(health.status === 'running' ? 200 : 503);
    return health;
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async metrics(@Res({ passthrough: true }) res: HttpResponse): Promise<string> {
    res.type(this.runtime.metrics.contentType);
    return this.runtime.metrics.text();
  }
}
